using System.Collections.Immutable;

namespace Stagecraft.Pipelines;

/// <summary>The provenance of one stage in a pipeline run.</summary>
public sealed record StageRunRecord
{
    public required string Stage { get; init; }

    public required StageStatus Status { get; init; }

    /// <summary>Why the stage failed, was skipped or was cancelled; or where a cached output came from.</summary>
    public string? Reason { get; init; }

    /// <summary>The compile-time hash of the stage method's source.</summary>
    public required string CodeHash { get; init; }

    /// <summary>The user's <see cref="StageAttribute.Version"/>.</summary>
    public string? Version { get; init; }

    /// <summary>The cache fingerprint (null when the stage never got its inputs).</summary>
    public string? Fingerprint { get; init; }

    /// <summary>The upstream outputs and pipeline inputs (parameters) the stage consumed, with their fingerprints.</summary>
    public ImmutableArray<StageInputRecord> Inputs { get; init; } = [];

    /// <summary>Where the output is stored and its content fingerprint (for succeeded or cached stages).</summary>
    public StoredValue? Output { get; init; }

    /// <summary>For cached stages: the run that computed the output.</summary>
    public string? CachedFromRunId { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>The machine the stage ran on.</summary>
    public string? Host { get; init; }

    /// <summary>Where the stage ran (<c>in-process</c> or a run backend's name).</summary>
    public string? Backend { get; init; }

    /// <summary>The pipeline run attempt (see <see cref="PipelineRunRecord.Attempt"/>) in which this record was written.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>For failed stages, the exception type.</summary>
    public string? ErrorType { get; init; }

    /// <summary>For failed stages, the exception's text (type, message and stack).</summary>
    public string? Error { get; init; }

    /// <summary>For stages run on a backend: the backend's run id and the exit code (of the last attempt).</summary>
    public string? BackendRunId { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>
    /// For stages run on a backend: every attempt in this pipeline run attempt, in order, each its own backend run (a
    /// preempted or lost attempt is retried; see <see cref="StageAttribute.Retries"/>). Empty for in-process and cached stages.
    /// </summary>
    public ImmutableArray<StageAttemptRecord> Attempts { get; init; } = [];
}
