namespace Stagecraft.Pipelines;

/// <summary>The outcome of one stage in a run.</summary>
public sealed record StageRunResult
{
    public required string Stage { get; init; }

    public required StageStatus Status { get; init; }

    /// <summary>The stage's output (for succeeded or cached stages).</summary>
    public object? Output { get; init; }

    /// <summary>The failure, for failed stages.</summary>
    public Exception? Error { get; init; }

    /// <summary>Why a stage was skipped or failed, in words.</summary>
    public string? Reason { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>The cache fingerprint of (code hash, version, inputs, parameters).</summary>
    public string? Fingerprint { get; init; }

    /// <summary>For <see cref="StageStatus.Cached"/> stages: the run whose stored output was reused.</summary>
    public string? CachedFromRunId { get; init; }
}
