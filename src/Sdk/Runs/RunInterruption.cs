namespace Stagecraft.Runs;

/// <summary>
/// Why a run stopped when the cause lies outside its command: the machine was taken away, or vanished. A run with an
/// interruption did not fail by its own doing, so running it again may well succeed (the pipeline runtime retries it).
/// </summary>
public enum RunInterruption
{
    /// <summary>Nothing outside the command ended the run (it exited, timed out, or was terminated on request).</summary>
    None,

    /// <summary>
    /// The provider reclaimed the machine (spot preemption, host shutdown): the command received SIGTERM that no
    /// <see cref="IRunBackend.TerminateAsync"/> asked for, or the machine stopped before an exit code was recorded.
    /// </summary>
    Preempted,

    /// <summary>The machine or process is gone and nobody recorded an exit code (<see cref="RunState.Lost"/>).</summary>
    MachineLost,
}
