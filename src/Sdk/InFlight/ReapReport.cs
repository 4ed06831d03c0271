namespace Stagecraft.InFlight;

/// <summary>A process the reaper killed.</summary>
public sealed record ReapedProcess(InFlightKey Entry, ProcessIdentity Process);

/// <summary>A process the reaper did not kill, and why.</summary>
public sealed record SkippedProcess(InFlightKey Entry, int Pid, ReapSkipReason Reason, string Detail);

/// <summary>A backend run the reaper stopped (or found already ended), with the status <see cref="Runs.IRunBackend.TerminateAsync"/> returned (null when no launch of it existed).</summary>
public sealed record TerminatedBackendRun(InFlightKey Entry, string Backend, string RunId, Runs.RunStatus? Status);

/// <summary>A backend run the reaper left alone, and why.</summary>
public sealed record SkippedBackendRun(InFlightKey Entry, string Backend, string RunId, ReapSkipReason Reason, string Detail);

/// <summary>What one <see cref="OrphanReaper.ReapAsync"/> pass did.</summary>
/// <param name="Reaped">Processes killed (whole trees: roots and descendants).</param>
/// <param name="Skipped">Processes left alone, with the reason.</param>
/// <param name="ClearedEntries">Registry entries removed because nothing of theirs is left alive.</param>
public sealed record ReapReport(
    IReadOnlyList<ReapedProcess> Reaped,
    IReadOnlyList<SkippedProcess> Skipped,
    IReadOnlyList<InFlightKey> ClearedEntries)
{
    /// <summary>Backend runs of orphaned entries, stopped through their backend.</summary>
    public IReadOnlyList<TerminatedBackendRun> TerminatedRuns { get; init; } = [];

    /// <summary>Backend runs left alone, with the reason (a live owner's runs among them).</summary>
    public IReadOnlyList<SkippedBackendRun> SkippedRuns { get; init; } = [];
}
