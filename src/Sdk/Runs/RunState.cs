namespace Stagecraft.Runs;

/// <summary>Where a run is in its life. <see cref="Succeeded"/>, <see cref="Failed"/>, <see cref="Terminated"/> and <see cref="Lost"/> are terminal.</summary>
public enum RunState
{
    /// <summary>Accepted by the backend; nothing is running yet.</summary>
    Pending,

    /// <summary>The backend is preparing the machine or process (provisioning, staging inputs).</summary>
    Preparing,

    /// <summary>The run's command is executing.</summary>
    Running,

    /// <summary>The command exited with code 0.</summary>
    Succeeded,

    /// <summary>The command exited with a non-zero code, or was stopped by its timeout.</summary>
    Failed,

    /// <summary>The run was stopped by <see cref="IRunBackend.TerminateAsync"/>.</summary>
    Terminated,

    /// <summary>The machine or process is gone and no exit code was ever recorded.</summary>
    Lost,
}
