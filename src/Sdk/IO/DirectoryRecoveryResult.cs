namespace Stagecraft.IO;

/// <summary>What <see cref="AtomicFile.RecoverDirectory"/> found and did.</summary>
public enum DirectoryRecoveryResult
{
    /// <summary>No leftovers of an interrupted <see cref="AtomicFile.ReplaceDirectory"/>.</summary>
    Clean,

    /// <summary>The target existed; leftover old trees beside it were deleted.</summary>
    RemovedLeftovers,

    /// <summary>The target was missing (a replace died between its two renames); the previous tree was renamed back.</summary>
    RestoredPrevious,
}
