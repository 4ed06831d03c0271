namespace Stagecraft.Pipelines;

/// <summary>
/// A progress event of a pipeline run. Events are delivered one at a time, in the order they happened, to the
/// <see cref="IProgress{T}"/> sinks of <see cref="PipelineRunnerOptions.Progress"/> and <see cref="PipelineRunOptions.Progress"/>.
/// </summary>
public sealed record PipelineEvent
{
    public required PipelineEventKind Kind { get; init; }

    public required string RunId { get; init; }

    public required string Pipeline { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The stage, for stage events.</summary>
    public string? Stage { get; init; }

    /// <summary>Failure, skip or cancellation reason; for cached stages, where the output came from.</summary>
    public string? Reason { get; init; }

    /// <summary>How long the stage (or, for <see cref="PipelineEventKind.RunFinished"/>, the run) took.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>For <see cref="PipelineEventKind.StageProgress"/>: the stage's own progress in [0, 1].</summary>
    public double? Progress { get; init; }

    /// <summary>For <see cref="PipelineEventKind.StageFailed"/>: the exception.</summary>
    public Exception? Error { get; init; }

    /// <summary>For <see cref="PipelineEventKind.StageCached"/>: the run that computed the output.</summary>
    public string? CachedFromRunId { get; init; }

    /// <summary>For <see cref="PipelineEventKind.RunFinished"/>: how the run ended.</summary>
    public PipelineRunStatus? RunStatus { get; init; }

    /// <summary>For backend stage events: the run backend's name.</summary>
    public string? Backend { get; init; }

    /// <summary>For backend stage events: the stage's resource profile (null for the backend's default).</summary>
    public string? Profile { get; init; }

    /// <summary>For backend stage events: the backend run of this attempt.</summary>
    public string? BackendRunId { get; init; }

    /// <summary>For backend stage events: which attempt of the stage in this pipeline run (1 for the first).</summary>
    public int? Attempt { get; init; }

    public override string ToString() => Stage is null ? $"{Kind} {RunId}" : $"{Kind} {Stage}{(Reason is null ? "" : ": " + Reason)}";
}
