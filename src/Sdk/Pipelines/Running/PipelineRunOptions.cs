namespace Stagecraft.Pipelines;

/// <summary>Per-run settings for <see cref="PipelineRunner.RunAsync(PipelineGraph, IReadOnlyDictionary{string, object?}, PipelineRunOptions, CancellationToken)"/>.</summary>
public sealed record PipelineRunOptions
{
    /// <summary>The run id (validated by <see cref="Runs.RunId"/>); generated from the pipeline name and time when null. Must not be in use.</summary>
    public string? RunId { get; init; }

    /// <summary>Receives this run's events, in addition to <see cref="PipelineRunnerOptions.Progress"/>.</summary>
    public IProgress<PipelineEvent>? Progress { get; init; }
}
