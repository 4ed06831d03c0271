namespace Stagecraft.Pipelines;

/// <summary>The phases of a prune, in order.</summary>
public enum PrunePhase
{
    /// <summary>Reading the run records to choose what to remove.</summary>
    ReadingRuns,

    /// <summary>Removing the chosen runs (record first, then their other objects).</summary>
    RemovingRuns,

    /// <summary>Removing cache entries of removed runs.</summary>
    RemovingCacheEntries,

    /// <summary>Collecting every content reference of the remaining run records and cache entries.</summary>
    MarkingReferences,

    /// <summary>Deleting content nothing references.</summary>
    SweepingContent,
}
