namespace Stagecraft.Pipelines;

/// <summary>The outcome of a pipeline run: one <see cref="StageRunResult"/> per stage.</summary>
public sealed class PipelineRunResult(string runId, string pipeline, IReadOnlyDictionary<string, StageRunResult> stages)
{
    public string RunId { get; } = runId;

    public string Pipeline { get; } = pipeline;

    public IReadOnlyDictionary<string, StageRunResult> Stages { get; } = stages;

    /// <summary>True when every stage succeeded or was served from the cache.</summary>
    public bool Succeeded => Stages.Values.All(s => s.Status is StageStatus.Succeeded or StageStatus.Cached);

    /// <summary>The output of a finished stage, typed. Throws when the stage did not produce one.</summary>
    public T GetOutput<T>(string stage)
    {
        if (!Stages.TryGetValue(stage, out var result))
        {
            throw new KeyNotFoundException($"Run '{RunId}' of pipeline '{Pipeline}' has no stage '{stage}'.");
        }

        return result.Status is StageStatus.Succeeded or StageStatus.Cached && result.Output is T value
            ? value
            : throw new InvalidOperationException($"Stage '{stage}' of run '{RunId}' has no output of type {typeof(T).Name} (status {result.Status}{(result.Reason is null ? "" : ": " + result.Reason)}).");
    }
}
