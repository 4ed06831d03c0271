namespace Stagecraft.WarmPool;

/// <summary>
/// The one table of allowed state moves (documented in <c>docs/warm-pool.md</c>). Every write of an instance document
/// checks its move here first and is then made as a compare-and-swap on the document's generation, so two actors can
/// never both win a move out of the same state. <c>null</c> stands for "no document" (before registration, after removal).
/// </summary>
internal static class WarmInstanceTransitions
{
    private static readonly HashSet<(WarmInstanceState? From, WarmInstanceState? To, WarmPoolActor Actor)> Allowed =
    [
        // A fresh instance: registered under the cap, then running its first job. Never idle before a job ran on it.
        (null, WarmInstanceState.Launching, WarmPoolActor.Launcher),
        (WarmInstanceState.Launching, WarmInstanceState.Running, WarmPoolActor.Launcher),
        (WarmInstanceState.Launching, null, WarmPoolActor.Launcher),

        // A job ended. From launching too: the launcher may have died before recording the machine as running.
        (WarmInstanceState.Running, WarmInstanceState.Idle, WarmPoolActor.Instance),
        (WarmInstanceState.Launching, WarmInstanceState.Idle, WarmPoolActor.Instance),

        // Reuse: a launch claims an idle instance; the instance ACKs, or the launcher releases it after the ACK timeout.
        (WarmInstanceState.Idle, WarmInstanceState.Claimed, WarmPoolActor.Launcher),
        (WarmInstanceState.Claimed, WarmInstanceState.Running, WarmPoolActor.Instance),
        (WarmInstanceState.Claimed, WarmInstanceState.Idle, WarmPoolActor.Launcher),

        // Retirement: the instance on idle timeout; the reaper when self-deletion failed or the instance is over age.
        (WarmInstanceState.Idle, WarmInstanceState.Deleting, WarmPoolActor.Instance),
        (WarmInstanceState.Idle, WarmInstanceState.Deleting, WarmPoolActor.Reaper),

        // The instance leaves mid-job: its job outlived its timeout and could not be stopped, so its machine ends.
        (WarmInstanceState.Running, WarmInstanceState.Deleting, WarmPoolActor.Instance),

        // The reaper removes the document of a machine that is gone (deleted, preempted), whatever its state —
        // except a launching one still within the launch grace, whose machine may not exist yet.
        (WarmInstanceState.Launching, null, WarmPoolActor.Reaper),
        (WarmInstanceState.Running, null, WarmPoolActor.Reaper),
        (WarmInstanceState.Idle, null, WarmPoolActor.Reaper),
        (WarmInstanceState.Claimed, null, WarmPoolActor.Reaper),
        (WarmInstanceState.Deleting, null, WarmPoolActor.Reaper),

        // Emergency cleanup: everything goes.
        (WarmInstanceState.Launching, WarmInstanceState.Deleting, WarmPoolActor.Cleanup),
        (WarmInstanceState.Running, WarmInstanceState.Deleting, WarmPoolActor.Cleanup),
        (WarmInstanceState.Idle, WarmInstanceState.Deleting, WarmPoolActor.Cleanup),
        (WarmInstanceState.Claimed, WarmInstanceState.Deleting, WarmPoolActor.Cleanup),
        (WarmInstanceState.Deleting, null, WarmPoolActor.Cleanup),
    ];

    /// <summary>Whether <paramref name="actor"/> may move an instance from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool IsAllowed(WarmInstanceState? from, WarmInstanceState? to, WarmPoolActor actor) => Allowed.Contains((from, to, actor));

    /// <summary>Every allowed move, for documentation and tests.</summary>
    public static IReadOnlyCollection<(WarmInstanceState? From, WarmInstanceState? To, WarmPoolActor Actor)> All => Allowed;
}
