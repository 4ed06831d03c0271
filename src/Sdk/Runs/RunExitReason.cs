namespace Stagecraft.Runs;

/// <summary>Why a run's command stopped, as recorded next to its exit code.</summary>
public enum RunExitReason
{
    /// <summary>The command ended on its own (or was killed by something other than the backend).</summary>
    Exited,

    /// <summary>The backend stopped it because <see cref="IRunBackend.TerminateAsync"/> was called.</summary>
    Terminated,

    /// <summary>The backend stopped it because <see cref="RunSpec.Timeout"/> elapsed.</summary>
    TimedOut,
}
