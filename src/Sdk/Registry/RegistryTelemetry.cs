using System.Diagnostics;

namespace Stagecraft.Registry;

/// <summary>The registry's trace source: one activity per registration, alias move, promotion and restore.</summary>
public static class RegistryTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> name to listen to.</summary>
    public const string SourceName = "Stagecraft.Registry";

    internal static readonly ActivitySource Source = new(SourceName);
}
