using System.Collections.Immutable;

namespace Stagecraft.Pipelines;

/// <summary>What a prune removed and kept (with <see cref="PruneOptions.DryRun"/>: what it would remove and keep now).</summary>
public sealed record PruneResult
{
    /// <summary>True when nothing was removed: the counts say what a prune would remove now.</summary>
    public bool DryRun { get; init; }

    /// <summary>The ids of the removed runs (including runs whose removal an earlier, interrupted prune had begun).</summary>
    public required ImmutableArray<string> RemovedRuns { get; init; }

    /// <summary>
    /// The removed runs whose record still said Running although their owner was gone (a process killed without
    /// writing its final record; see <see cref="PruneOptions"/>). Also listed in <see cref="RemovedRuns"/>.
    /// </summary>
    public ImmutableArray<string> AbandonedRuns { get; init; } = [];

    /// <summary>How many pipeline runs remain.</summary>
    public required int KeptRuns { get; init; }

    public required int RemovedCacheEntries { get; init; }

    public required int RemovedContentObjects { get; init; }

    /// <summary>Bytes of the removed content objects.</summary>
    public required long RemovedContentBytes { get; init; }

    /// <summary>Content objects left although nothing references them, because they are younger than the grace period.</summary>
    public required int UnreferencedContentKept { get; init; }
}
