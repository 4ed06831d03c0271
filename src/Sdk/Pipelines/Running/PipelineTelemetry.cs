using System.Diagnostics;

namespace Stagecraft.Pipelines;

/// <summary>Trace activities for pipeline runs (<c>pipeline.run</c>) and stage executions (<c>pipeline.stage</c>).</summary>
internal static class PipelineTelemetry
{
    public const string SourceName = "Stagecraft.Pipelines";

    public static readonly ActivitySource Source = new(SourceName);
}
