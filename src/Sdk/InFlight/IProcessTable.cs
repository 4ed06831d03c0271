namespace Stagecraft.InFlight;

/// <summary>
/// The operating system's processes, as the reaper and the dispatcher need them: identity, parentage, and killing a whole
/// tree. The policy (what is stale, what is protected, what to report) lives in <see cref="OrphanReaper"/>; the mechanism
/// (procfs, signals) lives in an adapter such as <c>Stagecraft.Local.Processes.LinuxProcessTable</c>.
/// </summary>
public interface IProcessTable
{
    /// <summary>This process's id.</summary>
    int CurrentProcessId { get; }

    /// <summary>The identity of a live process, or null when there is none with this pid (exited or a zombie).</summary>
    ProcessIdentity? GetIdentity(int pid);

    /// <summary>The parent's pid, or null when the process does not exist.</summary>
    int? GetParentProcessId(int pid);

    /// <summary>Live processes whose command line contains <paramref name="marker"/> (ordinal), excluding this process.</summary>
    IReadOnlyList<ProcessIdentity> FindByCommandLine(string marker);

    /// <summary>
    /// Kills <paramref name="root"/> and every descendant (SIGTERM, <paramref name="gracePeriod"/>, then SIGKILL), but only if
    /// the root is still the process recorded, and never a pid in <paramref name="spare"/>, this process, or pid 0/1.
    /// Descendants of a spared process are still killed.
    /// </summary>
    Task<ProcessTreeKillResult> KillTreeAsync(ProcessIdentity root, IReadOnlySet<int> spare, TimeSpan gracePeriod, CancellationToken cancellationToken = default);
}
