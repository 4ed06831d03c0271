using Stagecraft.Runs;

namespace Stagecraft.Pipelines;

/// <summary>
/// One attempt of a stage on a run backend: its own backend run (with its own <see cref="RunPaths"/>: task, logs, exit
/// code), how that run ended, and whether the stage was tried again after it.
/// </summary>
public sealed record StageAttemptRecord
{
    /// <summary>1 for the stage's first attempt in this pipeline run attempt, then 2, 3, … for its retries.</summary>
    public required int Number { get; init; }

    /// <summary>The run backend's name.</summary>
    public required string Backend { get; init; }

    /// <summary>The stage's resource profile (null for the backend's default).</summary>
    public string? Profile { get; init; }

    /// <summary>The backend run of this attempt: its logs and exit code are under <c>runs/{BackendRunId}/</c>.</summary>
    public required string BackendRunId { get; init; }

    /// <summary>How the backend run ended (null when it could not even be launched).</summary>
    public RunState? State { get; init; }

    /// <summary>Why the run ended when the cause lay outside the stage (preempted, machine lost).</summary>
    public RunInterruption Interruption { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>Why the attempt ended as it did, in words (null when it succeeded).</summary>
    public string? Reason { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The exception type the stage threw in the worker, when it reported one.</summary>
    public string? ErrorType { get; init; }

    /// <summary>The worker's exception as it reported it: type, message and stack trace.</summary>
    public string? Error { get; init; }

    /// <summary>True when the stage was run again after this attempt.</summary>
    public bool Retried { get; init; }
}
