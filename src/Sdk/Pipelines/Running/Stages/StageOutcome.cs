using System.Collections.Immutable;

namespace Stagecraft.Pipelines;

/// <summary>How one scheduled stage ended in this attempt: ran, reused a stored output, failed or was cancelled.</summary>
internal sealed record StageOutcome(StageStatus Status, string? Fingerprint, ImmutableArray<StageInputRecord> Inputs, DateTimeOffset StartedAt, TimeSpan Duration)
{
    public object? Output { get; init; }

    public StoredValue? Stored { get; init; }

    public string? CachedFromRunId { get; init; }

    public Exception? Error { get; init; }

    public string? Reason { get; init; }

    public string? BackendRunId { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>The stage's backend attempts (empty when it ran in process or was reused).</summary>
    public ImmutableArray<StageAttemptRecord> Attempts { get; init; } = [];
}
