using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// The one builder of pipeline storage keys. Cache entries live under <c>pipelines/{pipeline}/cache/{stage}/</c>;
/// per-run keys (outputs, inputs, the provenance record) come from <see cref="RunPaths"/>.
/// </summary>
public static class PipelinePaths
{
    /// <summary>The top-level prefix for pipeline-wide (not per-run) state.</summary>
    public const string RootPrefix = "pipelines/";

    /// <summary><c>pipelines/{pipeline}/cache/</c></summary>
    public static string CachePrefix(string pipeline) => RootPrefix + Segment(pipeline, nameof(pipeline)) + "/cache/";

    /// <summary><c>pipelines/{pipeline}/cache/{stage}/</c>: every cache entry of one stage (deleting them invalidates it).</summary>
    public static string StageCachePrefix(string pipeline, string stage) => CachePrefix(pipeline) + Segment(stage, nameof(stage)) + "/";

    /// <summary>
    /// <c>pipelines/{pipeline}/cache/{stage}/{fingerprint}.json</c>: the completion marker of one cached output,
    /// written only after every object it points to is stored.
    /// </summary>
    public static string CacheEntry(string pipeline, string stage, string fingerprint) =>
        StageCachePrefix(pipeline, stage) + Segment(fingerprint, nameof(fingerprint)) + ".json";

    /// <summary><c>runs/{runId}/outputs/{stage}/</c>: where a stage's output objects go.</summary>
    public static string StageOutputPrefix(RunPaths run, string stage)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Output(Segment(stage, nameof(stage))) + "/";
    }

    /// <summary><c>runs/{runId}/inputs/{input}/</c>: where a pipeline input's value goes (so the run can be resumed).</summary>
    public static string PipelineInputPrefix(RunPaths run, string input)
    {
        ArgumentNullException.ThrowIfNull(run);
        return ObjectKey.Join(run.InputsPrefix, Segment(input, nameof(input))) + "/";
    }

    /// <summary><c>runs/{backendRunId}/inputs/stage-task.json</c>: the stage a backend worker run must execute, with its stored arguments.</summary>
    public static string StageTask(RunPaths backendRun)
    {
        ArgumentNullException.ThrowIfNull(backendRun);
        return ObjectKey.Join(backendRun.InputsPrefix, "stage-task.json");
    }

    /// <summary><c>runs/{backendRunId}/outputs/stage-result.json</c>: what the worker reports back (the stored output, or the error).</summary>
    public static string StageTaskResult(RunPaths backendRun)
    {
        ArgumentNullException.ThrowIfNull(backendRun);
        return backendRun.Output("stage-result.json");
    }

    /// <summary>A single key segment: a valid key without <c>/</c>.</summary>
    internal static string Segment(string value, string paramName)
    {
        ObjectKey.Validate(value, paramName);
        if (value.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{value}' must be a single path segment (no '/').", paramName);
        }

        return value;
    }
}
