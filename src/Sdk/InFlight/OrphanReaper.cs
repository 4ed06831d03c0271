using Microsoft.Extensions.Logging;

namespace Stagecraft.InFlight;

/// <summary>
/// Kills the processes of in-flight entries nobody looks after any more: hand-offs from failed dispatches, and tracked
/// entries whose owner's heartbeat is stale. Each recorded process is checked against its identity first (a recycled pid
/// is never killed) and then killed with its whole tree; protected pids (configured, the reaper itself, its ancestors)
/// are never signalled. Entries with nothing left alive are removed, so a second pass is a no-op (idempotent).
/// </summary>
public sealed partial class OrphanReaper
{
    private readonly IInFlightRegistryStore _store;
    private readonly IProcessTable _processes;
    private readonly OrphanReaperOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public OrphanReaper(
        IInFlightRegistryStore store,
        IProcessTable processes,
        OrphanReaperOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(processes);
        _store = store;
        _processes = processes;
        _options = options ?? new OrphanReaperOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.StaleAfter, TimeSpan.Zero, "options.StaleAfter");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.GracePeriod, TimeSpan.Zero, "options.GracePeriod");
        _time = _options.TimeProvider;
        _logger = _options.LoggerFactory.CreateLogger<OrphanReaper>();
    }

    /// <summary>One reaping pass over the registry.</summary>
    public async Task<ReapReport> ReapAsync(CancellationToken cancellationToken = default)
    {
        var document = await _store.ReadAsync(cancellationToken).ConfigureAwait(false);
        var protectedPids = ProtectedProcesses.Resolve(_processes, _options.ProtectedProcessIds);
        var now = _time.GetUtcNow();
        var reaped = new List<ReapedProcess>();
        var skipped = new List<SkippedProcess>();
        var finished = new List<InFlightEntry>();

        foreach (var entry in document.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.State == InFlightEntryState.Running && now - entry.Heartbeat <= _options.StaleAfter)
            {
                skipped.AddRange(entry.Processes.Select(p => new SkippedProcess(entry.Key, p.Pid, ReapSkipReason.OwnerAlive, $"heartbeat {entry.Heartbeat:O} is fresh")));
                continue;
            }

            var survivors = 0;
            foreach (var root in Roots(entry, protectedPids, skipped))
            {
                var result = await _processes.KillTreeAsync(root, protectedPids, _options.GracePeriod, cancellationToken).ConfigureAwait(false);
                if (result.RootMismatch)
                {
                    skipped.Add(new SkippedProcess(entry.Key, root.Pid, ReapSkipReason.IdentityMismatch, "the pid changed hands before it could be signalled"));
                    continue;
                }

                reaped.AddRange(result.Killed.Select(p => new ReapedProcess(entry.Key, p)));
                skipped.AddRange(result.Spared.Select(p => new SkippedProcess(entry.Key, p.Pid, ReapSkipReason.Protected, "protected process inside the tree")));
                skipped.AddRange(result.Survivors.Select(p => new SkippedProcess(entry.Key, p.Pid, ReapSkipReason.Survived, "still alive after SIGKILL")));
                survivors += result.Survivors.Count;
            }

            if (survivors == 0)
            {
                finished.Add(entry);
            }
        }

        var cleared = finished.Count == 0 ? [] : await ClearAsync(finished, cancellationToken).ConfigureAwait(false);
        foreach (var r in reaped)
        {
            LogReaped(_logger, r.Process.Pid, r.Entry.ToString(), r.Process.CommandLine);
        }

        foreach (var s in skipped.Where(s => s.Reason != ReapSkipReason.OwnerAlive))
        {
            LogSkipped(_logger, s.Pid, s.Entry.ToString(), s.Reason, s.Detail);
        }

        return new ReapReport(reaped, skipped, cleared);
    }

    /// <summary>The live, identity-verified, unprotected roots of an entry: its recorded processes plus marker matches.</summary>
    private List<ProcessIdentity> Roots(InFlightEntry entry, IReadOnlySet<int> protectedPids, List<SkippedProcess> skipped)
    {
        var roots = new List<ProcessIdentity>();
        foreach (var recorded in entry.Processes)
        {
            if (recorded.Pid <= 1 || protectedPids.Contains(recorded.Pid))
            {
                skipped.Add(new SkippedProcess(entry.Key, recorded.Pid, ReapSkipReason.Protected, "protected pid"));
                continue;
            }

            var current = _processes.GetIdentity(recorded.Pid);
            if (current is null)
            {
                skipped.Add(new SkippedProcess(entry.Key, recorded.Pid, ReapSkipReason.NotRunning, "no such process"));
            }
            else if (!recorded.IsSameProcessAs(current))
            {
                skipped.Add(new SkippedProcess(entry.Key, recorded.Pid, ReapSkipReason.IdentityMismatch, $"recorded {recorded}, found {current}"));
            }
            else
            {
                roots.Add(current);
            }
        }

        if (entry.CommandLineMarker is { Length: >= InFlightDispatcher.MinMarkerLength } marker)
        {
            foreach (var match in _processes.FindByCommandLine(marker))
            {
                if (protectedPids.Contains(match.Pid))
                {
                    skipped.Add(new SkippedProcess(entry.Key, match.Pid, ReapSkipReason.Protected, "protected pid matching the entry's marker"));
                }
                else if (!roots.Exists(r => r.Pid == match.Pid))
                {
                    roots.Add(match);
                }
            }
        }

        return roots;
    }

    /// <summary>
    /// Removes finished entries, but only if they are unchanged since they were read: an owner that heartbeated or added
    /// processes in the meantime keeps its entry.
    /// </summary>
    private async Task<List<InFlightKey>> ClearAsync(List<InFlightEntry> finished, CancellationToken cancellationToken)
    {
        var cleared = new List<InFlightKey>();
        await _store.UpdateAsync(
            doc =>
            {
                cleared.Clear();
                var kept = new List<InFlightEntry>(doc.Entries.Count);
                foreach (var entry in doc.Entries)
                {
                    if (finished.Exists(f => SameContent(f, entry)))
                    {
                        cleared.Add(entry.Key);
                    }
                    else
                    {
                        kept.Add(entry);
                    }
                }

                return doc with { Entries = kept };
            },
            cancellationToken).ConfigureAwait(false);
        return cleared;
    }

    private static bool SameContent(InFlightEntry a, InFlightEntry b) =>
        a.Key == b.Key && a.Heartbeat == b.Heartbeat && a.CommandLineMarker == b.CommandLineMarker && a.Processes.SequenceEqual(b.Processes);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Reaped orphan pid {Pid} of {Entry}: {CommandLine}")]
    private static partial void LogReaped(ILogger logger, int pid, string entry, string commandLine);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Skipped pid {Pid} of {Entry}: {Reason} ({Detail})")]
    private static partial void LogSkipped(ILogger logger, int pid, string entry, ReapSkipReason reason, string detail);
}
