using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.Runs;

namespace Stagecraft.InFlight;

/// <summary>
/// Kills the processes and stops the backend runs of in-flight entries nobody looks after any more: hand-offs from
/// failed dispatches, and tracked entries whose owner is gone (its recorded process no longer runs on this host, or,
/// without one, its heartbeat is stale). A live owner's entries are never touched. Each recorded process is checked against its identity first (a recycled pid
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
        var terminatedRuns = new List<TerminatedBackendRun>();
        var skippedRuns = new List<SkippedBackendRun>();

        foreach (var entry in document.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.State == InFlightEntryState.Running && OwnerLives(entry, now) is { } alive)
            {
                skipped.AddRange(entry.Processes.Select(p => new SkippedProcess(entry.Key, p.Pid, alive.Reason, alive.Detail)));
                if (entry.BackendRun is { } run)
                {
                    skippedRuns.Add(new SkippedBackendRun(entry.Key, run.Backend, run.RunId, alive.Reason, alive.Detail));
                }

                continue;
            }

            if (entry.BackendRun is { } backendRun)
            {
                var outcome = await StopBackendRunAsync(entry, backendRun, cancellationToken).ConfigureAwait(false);
                if (outcome.Skipped is { } skip)
                {
                    skippedRuns.Add(skip);
                    continue;
                }

                terminatedRuns.Add(outcome.Terminated!);
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

        foreach (var t in terminatedRuns)
        {
            LogTerminatedRun(_logger, t.RunId, t.Backend, t.Entry.ToString(), t.Status?.ToString() ?? "never launched");
        }

        foreach (var s in skippedRuns.Where(s => s.Reason != ReapSkipReason.OwnerAlive))
        {
            LogSkippedRun(_logger, s.RunId, s.Backend, s.Entry.ToString(), s.Reason, s.Detail);
        }

        return new ReapReport(reaped, skipped, cleared) { TerminatedRuns = terminatedRuns, SkippedRuns = skippedRuns };
    }

    /// <summary>
    /// Why a tracked entry's owner counts as alive, or null when it is gone. An owner process recorded on this host is
    /// alive exactly while that process (same pid, start time and command line) runs, however old its heartbeat; one on
    /// another host cannot be checked from here and is never judged gone; otherwise the heartbeat decides.
    /// </summary>
    private (ReapSkipReason Reason, string Detail)? OwnerLives(InFlightEntry entry, DateTimeOffset now)
    {
        if (entry.OwnerProcess is { } owner)
        {
            if (!string.Equals(owner.Host, _options.HostName, StringComparison.Ordinal))
            {
                return (ReapSkipReason.OwnerOnAnotherHost, $"owner {entry.OwnerId} runs on host '{owner.Host}'");
            }

            return owner.Process.IsSameProcessAs(_processes.GetIdentity(owner.Process.Pid))
                ? (ReapSkipReason.OwnerAlive, $"owner process {owner.Process.Pid} is running")
                : null;
        }

        return now - entry.Heartbeat <= _options.StaleAfter ? (ReapSkipReason.OwnerAlive, $"heartbeat {entry.Heartbeat:O} is fresh") : null;
    }

    /// <summary>Stops an orphaned backend run through its backend; a run that was never launched counts as stopped.</summary>
    private async Task<(TerminatedBackendRun? Terminated, SkippedBackendRun? Skipped)> StopBackendRunAsync(InFlightEntry entry, InFlightBackendRun run, CancellationToken cancellationToken)
    {
        var backend = _options.Backends.FirstOrDefault(b => string.Equals(b.Capabilities.Name, run.Backend, StringComparison.Ordinal));
        if (backend is null)
        {
            return (null, new SkippedBackendRun(entry.Key, run.Backend, run.RunId, ReapSkipReason.BackendUnavailable, $"this reaper has no backend named '{run.Backend}'"));
        }

        try
        {
            var handle = run.Handle is { } json ? RunHandle.FromJson(json) : await backend.FindRunAsync(run.RunId, cancellationToken).ConfigureAwait(false);
            if (handle is null)
            {
                // The owner died before the launch took effect, or the backend cannot find launches by id.
                return (new TerminatedBackendRun(entry.Key, run.Backend, run.RunId, null), null);
            }

            var status = await backend.TerminateAsync(handle, cancellationToken).ConfigureAwait(false);
            return (new TerminatedBackendRun(entry.Key, run.Backend, run.RunId, status), null);
        }
        catch (RunNotFoundException)
        {
            // The backend has no record of the launch: nothing of it runs.
            return (new TerminatedBackendRun(entry.Key, run.Backend, run.RunId, null), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // One backend's failure must not end the pass; the entry is kept and retried on the next one.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return (null, new SkippedBackendRun(entry.Key, run.Backend, run.RunId, ReapSkipReason.TerminateFailed, $"{ex.GetType().Name}: {ex.Message}"));
        }
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
        a.Key == b.Key && a.Heartbeat == b.Heartbeat && a.CommandLineMarker == b.CommandLineMarker && a.Processes.SequenceEqual(b.Processes)
        && a.BackendRun == b.BackendRun && a.OwnerProcess == b.OwnerProcess;

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Reaped orphan pid {Pid} of {Entry}: {CommandLine}")]
    private static partial void LogReaped(ILogger logger, int pid, string entry, string commandLine);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Skipped pid {Pid} of {Entry}: {Reason} ({Detail})")]
    private static partial void LogSkipped(ILogger logger, int pid, string entry, ReapSkipReason reason, string detail);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Stopped orphaned backend run {RunId} ({Backend}) of {Entry}: {Status}")]
    private static partial void LogTerminatedRun(ILogger logger, string runId, string backend, string entry, string status);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Left backend run {RunId} ({Backend}) of {Entry} alone: {Reason} ({Detail})")]
    private static partial void LogSkippedRun(ILogger logger, string runId, string backend, string entry, ReapSkipReason reason, string detail);
}
