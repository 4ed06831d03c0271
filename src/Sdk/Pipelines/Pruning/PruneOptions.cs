namespace Stagecraft.Pipelines;

/// <summary>
/// What <see cref="PipelineRunner.PruneAsync"/> removes. A run is removed when it is older than
/// <see cref="OlderThan"/> or beyond the newest <see cref="KeepLatest"/> runs of its pipeline (either rule suffices;
/// at least one must be given).
/// </summary>
/// <remarks>
/// A run whose record says Running is never removed while its owner lives. It is <em>abandoned</em> — and then removed
/// by the same rules as a finished run — when its owner is provably gone: the owner's heartbeat is older than the
/// runner's <see cref="PipelineRunnerOptions.OwnerLeaseTimeout"/>, or the owner ran on this host and its process has
/// exited (the rule by which <see cref="PipelineRunner.ResumeAsync"/> takes a run over). A Running record that names no
/// owner proves nothing and is kept. An abandoned run the rules do not select is left as it is, resumable.
/// </remarks>
public sealed record PruneOptions
{
    /// <summary>Remove runs that started before this moment. Null: no age rule.</summary>
    public DateTimeOffset? OlderThan { get; init; }

    /// <summary>Keep this many of the most recently started runs of each pipeline and remove the older ones. Null: no count rule.</summary>
    public int? KeepLatest { get; init; }

    /// <summary>Only consider runs of this pipeline. Null: every pipeline in the store.</summary>
    public string? Pipeline { get; init; }

    /// <summary>
    /// Content stored less than this long before the prune started is never removed, referenced or not: a run that
    /// is storing outputs has not published its references yet. Default: 1 hour. Must not be negative.
    /// </summary>
    public TimeSpan ContentGracePeriod { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Also remove the cache entries written by removed runs, unless a kept run used them (its stage has the entry's
    /// fingerprint). Their content then goes too, unless something else references it. Default: on — without it every
    /// output ever cached stays stored.
    /// </summary>
    public bool RemoveCacheEntriesOfRemovedRuns { get; init; } = true;

    /// <summary>
    /// A prune lock not renewed for this long belongs to a prune that died and is taken over. A running prune renews
    /// it at a third of this interval. Default: 10 minutes.
    /// </summary>
    public TimeSpan StaleLockAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Change nothing: take no lock, remove nothing, and return what a prune would remove now (<see cref="PruneResult.DryRun"/>).
    /// A later prune may remove a little less (runs resumed, content used meanwhile) or more (time passed).
    /// </summary>
    public bool DryRun { get; init; }

    /// <summary>Receives the prune's progress, one report at a time.</summary>
    public IProgress<PruneProgress>? Progress { get; init; }
}
