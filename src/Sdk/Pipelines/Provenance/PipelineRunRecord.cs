using System.Collections.Immutable;

namespace Stagecraft.Pipelines;

/// <summary>
/// The provenance of one pipeline run, stored at <see cref="PipelinePaths.PipelineRecord"/>: what ran, with which
/// code, inputs and parameters, what it produced and where, how long it took, where, and why it ended as it did.
/// Read it with <see cref="PipelineRunner.GetRunRecordAsync"/>.
/// </summary>
public sealed record PipelineRunRecord
{
    /// <summary>The record layout version.</summary>
    public int SchemaVersion { get; init; } = 1;

    public required string RunId { get; init; }

    public required string Pipeline { get; init; }

    public required PipelineRunStatus Status { get; init; }

    /// <summary>Why the run failed or was cancelled, in words (null when it succeeded or is running).</summary>
    public string? Reason { get; init; }

    /// <summary>1 for the first execution, incremented by every resume.</summary>
    public int Attempt { get; init; } = 1;

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The machine the runner ran on.</summary>
    public required string Host { get; init; }

    /// <summary>Where stages executed (<c>in-process</c>, or the name of a run backend).</summary>
    public required string Backend { get; init; }

    /// <summary>The process executing the run while it is <see cref="PipelineRunStatus.Running"/>; null once it ended.</summary>
    public PipelineRunOwner? Owner { get; init; }

    public bool CacheEnabled { get; init; }

    public bool FailFast { get; init; }

    public int MaxParallelism { get; init; }

    /// <summary>The pipeline inputs: their stored copies and fingerprints.</summary>
    public ImmutableArray<PipelineInputRecord> Inputs { get; init; } = [];

    /// <summary>One record per stage, in topological order.</summary>
    public ImmutableArray<StageRunRecord> Stages { get; init; } = [];

    /// <summary>The record of one stage, or null when the run has none by that name.</summary>
    public StageRunRecord? GetStage(string stage) => Stages.FirstOrDefault(s => s.Stage == stage);
}
