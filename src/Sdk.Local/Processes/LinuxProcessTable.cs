using System.ComponentModel;
using Stagecraft.InFlight;

namespace Stagecraft.Local.Processes;

/// <summary>
/// <see cref="IProcessTable"/> over Linux procfs and <c>kill(2)</c>. Trees are found by parent links and, when the root
/// leads a session (as every local run does), by session id too, so grandchildren re-parented to init after their parent
/// died are still found.
/// </summary>
public sealed class LinuxProcessTable : IProcessTable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;

    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    public LinuxProcessTable(TimeProvider? timeProvider = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("LinuxProcessTable reads /proc and needs Linux.");
        }

        _time = timeProvider ?? TimeProvider.System;
    }

    public int CurrentProcessId => Environment.ProcessId;

    public ProcessIdentity? GetIdentity(int pid) => ProcFs.ReadIdentity(pid);

    public int? GetParentProcessId(int pid) => ProcFs.ReadStat(pid)?.ParentPid;

    public IReadOnlyList<ProcessIdentity> FindByCommandLine(string marker)
    {
        ArgumentException.ThrowIfNullOrEmpty(marker);
        var result = new List<ProcessIdentity>();
        foreach (var pid in ProcFs.ListPids())
        {
            if (pid != CurrentProcessId && ProcFs.ReadCommandLine(pid) is { } cmd && cmd.Contains(marker, StringComparison.Ordinal)
                && ProcFs.ReadIdentity(pid) is { } identity && identity.CommandLine.Contains(marker, StringComparison.Ordinal))
            {
                result.Add(identity);
            }
        }

        return result;
    }

    public async Task<ProcessTreeKillResult> KillTreeAsync(ProcessIdentity root, IReadOnlySet<int> spare, TimeSpan gracePeriod, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(spare);
        if (!root.IsSameProcessAs(ProcFs.ReadIdentity(root.Pid)))
        {
            return new ProcessTreeKillResult([], [], [], RootMismatch: true);
        }

        var tree = new Tree(root, spare, CurrentProcessId);
        tree.Collect();

        // SIGTERM the tree, then keep collecting (handlers may fork) until it is gone or the grace period is over.
        tree.SignalAll(PosixSignal.Terminate);
        tree.SignalAll(PosixSignal.Continue);
        await WaitUntilGoneAsync(tree, gracePeriod, PosixSignal.Terminate, cancellationToken).ConfigureAwait(false);

        // SIGKILL what is left, repeatedly: a process can fork between collection and the signal.
        for (var round = 0; round < 5 && tree.AliveMembers().Count > 0; round++)
        {
            tree.Collect();
            tree.SignalAll(PosixSignal.Kill);
            await WaitUntilGoneAsync(tree, KillWait, PosixSignal.Kill, cancellationToken).ConfigureAwait(false);
        }

        var alive = tree.AliveMembers();
        return new ProcessTreeKillResult(
            [.. tree.Members.Where(m => !alive.Contains(m))],
            [.. tree.Spared],
            alive);
    }

    private async Task WaitUntilGoneAsync(Tree tree, TimeSpan limit, PosixSignal signal, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + limit;
        while (_time.GetUtcNow() < deadline)
        {
            if (tree.Collect() > 0)
            {
                tree.SignalAll(signal);
            }

            if (tree.AliveMembers().Count == 0)
            {
                return;
            }

            await Task.Delay(PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The members of one tree, each with the identity it had when first seen (only that process is ever signalled).</summary>
    private sealed class Tree(ProcessIdentity root, IReadOnlySet<int> spare, int self)
    {
        private readonly Dictionary<int, ProcessIdentity> _members = new() { [root.Pid] = root };
        private readonly Dictionary<int, ProcessIdentity> _spared = [];
        private readonly HashSet<int> _walked = [root.Pid];

        // Decided once, while the root is known to be alive: after it dies its session id lives on in its descendants.
        private readonly bool _rootLeadsSession = ProcFs.ReadStat(root.Pid)?.SessionId == root.Pid;

        // A group leader's id stays reserved while its group has members, so the group can be signalled even after it died.
        private readonly bool _rootLeadsGroup = ProcFs.ReadStat(root.Pid)?.ProcessGroupId == root.Pid;

        public IEnumerable<ProcessIdentity> Members => _members.Values;

        public IEnumerable<ProcessIdentity> Spared => _spared.Values;

        /// <summary>Adds descendants (and, for a session leader, session members) not seen before; returns how many were added.</summary>
        public int Collect()
        {
            var snapshot = ProcFs.Snapshot();
            var added = 0;
            bool grew;
            do
            {
                grew = false;
                foreach (var (pid, stat) in snapshot)
                {
                    if (_walked.Contains(pid) || stat.HasExited)
                    {
                        continue;
                    }

                    var inTree = _walked.Contains(stat.ParentPid) || (_rootLeadsSession && stat.SessionId == root.Pid);
                    if (!inTree || ProcFs.ReadIdentity(pid) is not { } identity)
                    {
                        continue;
                    }

                    _walked.Add(pid);
                    grew = true;
                    if (pid <= 1 || pid == self || spare.Contains(pid))
                    {
                        _spared[pid] = identity; // never signalled, but its descendants are still walked
                    }
                    else
                    {
                        _members[pid] = identity;
                        added++;
                    }
                }
            }
            while (grew);

            return added;
        }

        public void SignalAll(PosixSignal signal)
        {
            // One kill(-pgid) reaches every group member atomically, including any forked since the last collection,
            // unless this process or a protected one sits in the group.
            if (_rootLeadsGroup && !_spared.Keys.Concat(spare).Append(self).Any(pid => ProcFs.ReadStat(pid)?.ProcessGroupId == root.Pid))
            {
                try
                {
                    ProcessSignals.SendToGroup(root.Pid, signal);
                }
                catch (Win32Exception)
                {
                }
            }

            foreach (var member in _members.Values)
            {
                // Re-check identity right before signalling: the pid may have been recycled since it was collected.
                if (member.IsSameProcessAs(ProcFs.ReadIdentity(member.Pid)))
                {
                    try
                    {
                        ProcessSignals.Send(member.Pid, signal);
                    }
                    catch (Win32Exception)
                    {
                        // EPERM: not ours to kill; it is reported as a survivor.
                    }
                }
            }
        }

        public List<ProcessIdentity> AliveMembers() =>
            [.. _members.Values.Where(m => ProcFs.ReadStat(m.Pid) is { HasExited: false } s && s.StartTicks == m.StartTicks)];
    }
}
