namespace Stagecraft.WarmPool;

/// <summary>What the reaper or the emergency cleanup did to one instance.</summary>
public enum WarmPoolActionKind
{
    /// <summary>Deleted the instance's machine.</summary>
    DeletedMachine,

    /// <summary>Removed the instance's document (its machine is gone).</summary>
    RemovedDocument,

    /// <summary>Dropped an index entry whose document no longer exists.</summary>
    DroppedIndexEntry,

    /// <summary>Removed a job document no claim will read any more.</summary>
    RemovedJob,

    /// <summary>Tried and failed; the reason says why. Nothing was lost; a later pass retries.</summary>
    Failed,
}
