namespace Stagecraft.WarmPool;

/// <summary>Who moves an instance between states (see <see cref="WarmInstanceTransitions"/>).</summary>
public enum WarmPoolActor
{
    /// <summary>A process launching a run: registers, marks launched, claims, releases.</summary>
    Launcher,

    /// <summary>The instance itself (its startup script or worker loop): finishes jobs, ACKs claims, retires on idle timeout.</summary>
    Instance,

    /// <summary><see cref="WarmPoolReaper"/>, from any process.</summary>
    Reaper,

    /// <summary>The emergency cleanup (<see cref="WarmPool.CleanupAsync"/>).</summary>
    Cleanup,
}
