using System.Diagnostics;
using Stagecraft.Telemetry;

namespace Stagecraft.Pipelines;

/// <summary>Trace activities for pipeline runs (<c>pipeline.run</c>) and stage executions (<c>pipeline.stage</c>).</summary>
internal static class PipelineTelemetry
{
    public const string SourceName = StagecraftTelemetry.PipelinesSource;

    public static readonly ActivitySource Source = new(SourceName);
}
