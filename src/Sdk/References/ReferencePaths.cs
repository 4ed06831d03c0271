using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.References;

/// <summary>
/// The one builder of the reference features' keys in a run: the optional seed a driver uploads at submit time, the
/// slices workers upload back (<c>post_run/</c>) and the merge report. They live under the run's
/// <see cref="RunPaths.Root"/>, so whatever removes a run removes them with it.
/// </summary>
public sealed class ReferencePaths
{
    private readonly RunPaths _run;

    /// <exception cref="ArgumentException"><paramref name="runId"/> is not a run id.</exception>
    public ReferencePaths(string runId) => _run = new RunPaths(runId);

    /// <summary>The run these keys belong to.</summary>
    public string RunId => _run.RunId;

    /// <summary><c>runs/{runId}/post_run/</c>: every slice uploaded back by the run's workers.</summary>
    public string PostRunPrefix => _run.Root + "post_run/";

    /// <summary><c>runs/{runId}/post_run/{kind}/</c></summary>
    public string PostRunKind(string kind) => PostRunPrefix + ObjectKey.ValidateSegment(kind, nameof(kind)) + "/";

    /// <summary><c>runs/{runId}/post_run/{kind}/{shard}/</c>: one worker process's slices.</summary>
    public string PostRunShard(string kind, string shard) => PostRunKind(kind) + ObjectKey.ValidateSegment(shard, nameof(shard)) + "/";

    /// <summary><c>runs/{runId}/post_run/{kind}/{shard}/{key}/</c>: one reference as that worker built it.</summary>
    public string PostRun(string kind, string shard, string key) => PostRunShard(kind, shard) + ObjectKey.ValidateSegment(key, nameof(key)) + "/";

    /// <summary><c>runs/{runId}/merge_report.json</c>: what the last post-run merge of this run did (merged, skipped, ignored).</summary>
    public string MergeReport => _run.Root + "merge_report.json";

    /// <summary>
    /// <c>runs/{runId}/reference_seed/{kind}/</c>: the optional reference seed the driver uploads at submit time,
    /// one <c>{key}/</c> folder per reference. Immutable for the run, so workers read their seed snapshot from it.
    /// </summary>
    public string ReferenceSeed(string kind) => _run.Root + "reference_seed/" + ObjectKey.ValidateSegment(kind, nameof(kind)) + "/";

    public override string ToString() => _run.Root;
}
