namespace Stagecraft.InFlight;

/// <summary>A process the reaper killed.</summary>
public sealed record ReapedProcess(InFlightKey Entry, ProcessIdentity Process);

/// <summary>A process the reaper did not kill, and why.</summary>
public sealed record SkippedProcess(InFlightKey Entry, int Pid, ReapSkipReason Reason, string Detail);

/// <summary>What one <see cref="OrphanReaper.ReapAsync"/> pass did.</summary>
/// <param name="Reaped">Processes killed (whole trees: roots and descendants).</param>
/// <param name="Skipped">Processes left alone, with the reason.</param>
/// <param name="ClearedEntries">Registry entries removed because nothing of theirs is left alive.</param>
public sealed record ReapReport(
    IReadOnlyList<ReapedProcess> Reaped,
    IReadOnlyList<SkippedProcess> Skipped,
    IReadOnlyList<InFlightKey> ClearedEntries);
