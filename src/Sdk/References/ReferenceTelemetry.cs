using System.Diagnostics;
using Stagecraft.Telemetry;

namespace Stagecraft.References;

/// <summary>The trace source of the reference store, seeding, upload-back and merge.</summary>
internal static class ReferenceTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> name: <c>Stagecraft.References</c>.</summary>
    public const string ActivitySourceName = StagecraftTelemetry.ReferencesSource;

    internal static readonly ActivitySource Source = new(ActivitySourceName);

    internal static Activity? Start(string name, string? key = null)
    {
        var activity = Source.StartActivity(name);
        if (key is not null)
        {
            activity?.SetTag(StagecraftTags.ReferenceKey, key);
        }

        return activity;
    }
}
