using Microsoft.Extensions.Logging;

namespace Stagecraft.Pipelines;

/// <summary>What a running stage may ask of the runtime: where it is, a logger, cancellation, progress.</summary>
public sealed class StageContext
{
    public required string RunId { get; init; }

    public required string StageName { get; init; }

    /// <summary>A private scratch/output directory for this stage execution (signals are written here).</summary>
    public required string WorkDirectory { get; init; }

    public required ILogger Logger { get; init; }

    public CancellationToken CancellationToken { get; init; }

    /// <summary>Reports the stage's own progress in [0, 1].</summary>
    public IProgress<double>? Progress { get; init; }
}
