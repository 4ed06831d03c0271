namespace Stagecraft.WarmPool;

/// <summary>What a backend found when asked about a pool instance's machine.</summary>
public enum WarmMachineStatus
{
    /// <summary>The machine exists and runs (or is starting).</summary>
    Alive,

    /// <summary>The machine exists but is stopped (preempted, shut down): it will never run a job again.</summary>
    Stopped,

    /// <summary>The machine does not exist (deleted, or preempted and removed).</summary>
    Gone,
}
