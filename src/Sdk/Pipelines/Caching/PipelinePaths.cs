using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// The one builder of pipeline storage keys. Cache entries live under <c>pipelines/{pipeline}/cache/{stage}/</c>, the
/// bytes of stored values under <c>content/sha256/</c>, and a pipeline run's own keys (provenance record, prune marker,
/// cancel requests) under its <see cref="RunPaths.Root"/>.
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

    /// <summary>
    /// <c>content/sha256/</c>: the content-addressed objects behind stored values, shared by every run and pipeline
    /// of the store. Each key names its bytes, is written once (generation precondition 0) and never rewritten.
    /// </summary>
    public const string ContentPrefix = "content/sha256/";

    /// <summary><c>content/sha256/{sha256}</c>: the one object holding the bytes with that lower-case hex SHA-256.</summary>
    /// <exception cref="ArgumentException"><paramref name="sha256"/> is not 64 lower-case hex digits.</exception>
    public static string Content(string sha256)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        if (sha256.Length != 64 || !sha256.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            throw new ArgumentException($"'{sha256}' is not a content digest: a SHA-256 is 64 lower-case hex digits.", nameof(sha256));
        }

        return ContentPrefix + sha256;
    }

    /// <summary>The digest a content key names, or null when <paramref name="key"/> is not a content key.</summary>
    internal static string? ContentDigest(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.StartsWith(ContentPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var digest = key[ContentPrefix.Length..];
        return digest.Length == 64 && digest.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f') ? digest : null;
    }

    /// <summary>
    /// <c>content/prune.lock</c>: held by the one prune that is sweeping content; writers that reused existing content
    /// during a sweep check their references again after it (see <see cref="PipelineRunner.PruneAsync"/>).
    /// </summary>
    public const string PruneLock = "content/prune.lock";

    /// <summary>
    /// <c>content/prune.epoch</c>: rewritten by every prune before it looks for references, so a run that reads the
    /// same generation before and after publishing its references knows no sweep missed them.
    /// </summary>
    public const string PruneEpoch = "content/prune.epoch";

    /// <summary>
    /// <c>runs/{backendRunId}/inputs/stage-task.scsn</c>: the stage a backend worker run must execute, with its stored
    /// arguments, as a snapshot (<see cref="StageTaskSnapshot"/>).
    /// </summary>
    internal static string StageTask(RunPaths backendRun)
    {
        ArgumentNullException.ThrowIfNull(backendRun);
        return ObjectKey.Join(backendRun.InputsPrefix, "stage-task.scsn");
    }

    /// <summary><c>runs/{backendRunId}/outputs/stage-result.json</c>: what the worker reports back (the stored output, or the error).</summary>
    internal static string StageTaskResult(RunPaths backendRun)
    {
        ArgumentNullException.ThrowIfNull(backendRun);
        return backendRun.Output("stage-result.json");
    }

    /// <summary><c>runs/{runId}/pipeline.json</c>: a pipeline run's provenance record (status, per-stage fingerprints, outputs, timings).</summary>
    public static string PipelineRecord(string runId) => new RunPaths(runId).Root + "pipeline.json";

    /// <summary>
    /// <c>runs/{runId}/pruning.json</c>: written by a prune before it deletes the run's record and removed after the
    /// rest of the run's objects, so a prune killed half-way is finished by the next one.
    /// </summary>
    public static string PruneMarker(string runId) => new RunPaths(runId).Root + "pruning.json";

    /// <summary>
    /// <c>runs/{runId}/cancel/{attempt:D6}.json</c>: a request (from <c>stagecraft runs cancel</c> or any process) that the
    /// given attempt of a pipeline run stop; per attempt, so a resumed run is not cancelled by an old request.
    /// </summary>
    public static string CancelRequest(string runId, int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(attempt);
        return new RunPaths(runId).Root + "cancel/" + attempt.ToString("D6", System.Globalization.CultureInfo.InvariantCulture) + ".json";
    }

    private static string Segment(string value, string paramName) => ObjectKey.ValidateSegment(value, paramName);
}
