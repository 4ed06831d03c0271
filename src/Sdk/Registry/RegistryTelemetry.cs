using System.Diagnostics;
using Stagecraft.Telemetry;

namespace Stagecraft.Registry;

/// <summary>The registry's trace source: one activity per registration, alias move, promotion and restore.</summary>
internal static class RegistryTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> name to listen to.</summary>
    public const string SourceName = StagecraftTelemetry.RegistrySource;

    internal static readonly ActivitySource Source = new(SourceName);
}
