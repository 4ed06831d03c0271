namespace Stagecraft.InFlight;

/// <summary>
/// The pids that must never be signalled or recorded: a configured set (e.g. a broker every run talks to), this process,
/// and its ancestors (killing a parent could take the caller down with it), plus pid 1.
/// </summary>
public static class ProtectedProcesses
{
    /// <summary>Computes the protected set now (ancestry can change when a parent exits, so compute it per pass).</summary>
    public static IReadOnlySet<int> Resolve(IProcessTable processes, IEnumerable<int>? configured)
    {
        ArgumentNullException.ThrowIfNull(processes);
        var set = new HashSet<int>(configured ?? []) { 1 };
        var pid = processes.CurrentProcessId;
        // Bounded walk: a corrupted parent chain must not loop forever.
        for (var hops = 0; pid > 1 && hops < 4096; hops++)
        {
            if (!set.Add(pid))
            {
                break;
            }

            pid = processes.GetParentProcessId(pid) ?? 0;
        }

        return set;
    }
}
