using Stagecraft.Storage;

namespace Stagecraft.Runs;

/// <summary>
/// The only builder of per-run storage keys. Nothing else concatenates <c>runs/</c>
/// (a test enforces it; one seed shipped a <c>runs/runs/</c> bug and another read exit codes from a stale path).
/// </summary>
public sealed class RunPaths
{
    /// <summary>The top-level prefix under which every run lives.</summary>
    public const string RootPrefix = "runs/";

    public RunPaths(string runId) => RunId = Runs.RunId.Validate(runId);

    public string RunId { get; }

    /// <summary><c>runs/{runId}/</c></summary>
    public string Root => RootPrefix + RunId + "/";

    /// <summary><c>runs/{runId}/logs/</c></summary>
    public string LogsPrefix => Root + "logs/";

    /// <summary>
    /// Numbered log chunks (<c>runs/{runId}/logs/stdout/000000000042</c>): every backend stores a run's logs as
    /// append-only chunk objects (<see cref="Logs.RunLogShipper"/>, <see cref="Logs.RunLogReader"/>), because an object
    /// can only be replaced whole (rewriting a growing log costs its size on every update, and a Cloud Storage object can
    /// be rewritten only about once per second). Zero-padded so lexicographic listing order is chunk order.
    /// </summary>
    public string LogChunk(LogStream stream, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return LogChunkPrefix(stream) + index.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary><c>runs/{runId}/logs/{stdout|stderr}/</c></summary>
    public string LogChunkPrefix(LogStream stream) => LogsPrefix + (stream == LogStream.Stdout ? "stdout/" : "stderr/");

    /// <summary><c>runs/{runId}/exit_code</c>: written once when the run's process ends; the source of truth for status.</summary>
    public string ExitCode => Root + "exit_code";

    /// <summary><c>runs/{runId}/run.json</c>: the launched spec and handle, for O(1) recovery by id.</summary>
    public string RunRecord => Root + "run.json";

    /// <summary><c>runs/{runId}/outputs/</c></summary>
    public string OutputsPrefix => Root + "outputs/";

    /// <summary><c>runs/{runId}/outputs/{relativePath}</c></summary>
    public string Output(string relativePath) => ObjectKey.Join(OutputsPrefix, relativePath);

    /// <summary><c>runs/{runId}/inputs/</c></summary>
    public string InputsPrefix => Root + "inputs/";

    /// <summary><c>runs/{runId}/sessions/</c></summary>
    public string SessionsPrefix => Root + "sessions/";

    /// <summary><c>runs/{runId}/post_run/</c></summary>
    public string PostRunPrefix => Root + "post_run/";

    /// <summary><c>runs/{runId}/post_run/{kind}/</c></summary>
    public string PostRunKind(string kind) => ObjectKey.Join(PostRunPrefix, Segment(kind, nameof(kind))) + "/";

    /// <summary><c>runs/{runId}/post_run/{kind}/{shard}/</c></summary>
    public string PostRunShard(string kind, string shard) => PostRunKind(kind) + Segment(shard, nameof(shard)) + "/";

    /// <summary><c>runs/{runId}/post_run/{kind}/{shard}/{key}/</c></summary>
    public string PostRun(string kind, string shard, string key) => PostRunShard(kind, shard) + Segment(key, nameof(key)) + "/";

    /// <summary><c>runs/{runId}/merge_report.json</c>: what the last post-run merge of this run did (merged, skipped, ignored).</summary>
    public string MergeReport => Root + "merge_report.json";

    /// <summary>
    /// <c>runs/{runId}/reference_seed/{kind}/</c>: the optional reference seed the driver uploads at submit time,
    /// one <c>{key}/</c> folder per reference. Immutable for the run, so workers read their seed snapshot from it.
    /// </summary>
    public string ReferenceSeed(string kind) => ObjectKey.Join(Root + "reference_seed/", Segment(kind, nameof(kind))) + "/";

    /// <summary><c>runs/{runId}/pipeline.json</c>: a pipeline run's provenance record (status, per-stage fingerprints, outputs, timings).</summary>
    public string PipelineRecord => Root + "pipeline.json";

    /// <summary>
    /// <c>runs/{runId}/pruning.json</c>: written by a prune before it deletes the run's record and removed after the
    /// rest of the run's objects, so a prune killed half-way is finished by the next one.
    /// </summary>
    public string PruneMarker => Root + "pruning.json";

    /// <summary>
    /// <c>runs/{runId}/cancel/{attempt:D6}.json</c>: a request (from <c>stagecraft runs cancel</c> or any process) that the
    /// given attempt of a pipeline run stop; per attempt, so a resumed run is not cancelled by an old request.
    /// </summary>
    public string CancelRequest(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(attempt);
        return Root + "cancel/" + attempt.ToString("D6", System.Globalization.CultureInfo.InvariantCulture) + ".json";
    }

    /// <summary><c>runs/{runId}/snapshot.bin</c></summary>
    public string Snapshot => Root + "snapshot.bin";

    public override string ToString() => Root;

    /// <summary>A single path segment: a valid key with no '/'.</summary>
    private static string Segment(string value, string paramName)
    {
        ObjectKey.Validate(value, paramName);
        if (value.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{value}' must be a single path segment (no '/').", paramName);
        }

        return value;
    }
}
