using Stagecraft.InFlight;

namespace Stagecraft.Sdk.Tests.InFlight;

/// <summary>A scripted process table: a tree of fake processes; killing marks them dead and records every signalled pid.</summary>
internal sealed class FakeProcessTable : IProcessTable
{
    private readonly Dictionary<int, (ProcessIdentity Identity, int Parent, bool Alive)> _processes = [];

    public FakeProcessTable(int self = 100, int parentOfSelf = 50)
    {
        CurrentProcessId = self;
        Add(parentOfSelf, parent: 1, "init-shell");
        Add(self, parentOfSelf, "test-host");
    }

    public int CurrentProcessId { get; }

    public List<int> Signalled { get; } = [];

    public ProcessIdentity Add(int pid, int parent, string commandLine, long startTicks = 1000)
    {
        var identity = new ProcessIdentity(pid, startTicks, "boot-1", commandLine);
        _processes[pid] = (identity, parent, true);
        return identity;
    }

    /// <summary>Simulates the pid being recycled by a different process.</summary>
    public void Recycle(int pid, string commandLine) => Add(pid, parent: 1, commandLine, startTicks: 99_999);

    public bool IsAlive(int pid) => _processes.TryGetValue(pid, out var p) && p.Alive;

    public ProcessIdentity? GetIdentity(int pid) => _processes.TryGetValue(pid, out var p) && p.Alive ? p.Identity : null;

    public int? GetParentProcessId(int pid) => _processes.TryGetValue(pid, out var p) ? p.Parent : null;

    public IReadOnlyList<ProcessIdentity> FindByCommandLine(string marker) =>
        [.. _processes.Values.Where(p => p.Alive && p.Identity.Pid != CurrentProcessId && p.Identity.CommandLine.Contains(marker, StringComparison.Ordinal)).Select(p => p.Identity)];

    public Task<ProcessTreeKillResult> KillTreeAsync(ProcessIdentity root, IReadOnlySet<int> spare, TimeSpan gracePeriod, CancellationToken cancellationToken = default)
    {
        if (!root.IsSameProcessAs(GetIdentity(root.Pid)))
        {
            return Task.FromResult(new ProcessTreeKillResult([], [], [], RootMismatch: true));
        }

        var killed = new List<ProcessIdentity>();
        var spared = new List<ProcessIdentity>();
        var queue = new Queue<int>([root.Pid]);
        while (queue.TryDequeue(out var pid))
        {
            var p = _processes[pid];
            if (spare.Contains(pid) || pid == CurrentProcessId || pid <= 1)
            {
                spared.Add(p.Identity);
            }
            else if (p.Alive)
            {
                Signalled.Add(pid);
                _processes[pid] = p with { Alive = false };
                killed.Add(p.Identity);
            }

            foreach (var child in _processes.Where(c => c.Value.Parent == pid && c.Value.Alive).Select(c => c.Key))
            {
                queue.Enqueue(child);
            }
        }

        return Task.FromResult(new ProcessTreeKillResult(killed, spared, []));
    }
}
