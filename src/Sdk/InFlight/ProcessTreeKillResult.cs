namespace Stagecraft.InFlight;

/// <summary>What <see cref="IProcessTable.KillTreeAsync"/> did.</summary>
/// <param name="Killed">Processes that were signalled and are gone.</param>
/// <param name="Spared">Processes in the tree that were left alone because they are protected.</param>
/// <param name="Survivors">Processes still alive after SIGKILL (for example owned by another user); normally empty.</param>
/// <param name="RootMismatch">True when the root pid no longer belongs to the recorded process, so nothing was signalled.</param>
public sealed record ProcessTreeKillResult(
    IReadOnlyList<ProcessIdentity> Killed,
    IReadOnlyList<ProcessIdentity> Spared,
    IReadOnlyList<ProcessIdentity> Survivors,
    bool RootMismatch = false);
