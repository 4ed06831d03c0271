namespace Stagecraft.Runs;

/// <summary>
/// What a backend supports and how slowly it moves. Callers size their waits and choose features from these values;
/// no code anywhere branches on the backend's concrete type.
/// </summary>
public sealed record BackendCapabilities
{
    /// <summary>The backend's name, written into every <see cref="RunHandle.Backend"/> it issues (e.g. <c>local</c>, <c>gce</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Whether <see cref="RunSpec.Image"/> is honoured. A backend that cannot run images rejects specs that set one.</summary>
    public bool SupportsContainerImages { get; init; }

    /// <summary>Whether <see cref="RunSpec.Snapshot"/> is delivered to the run.</summary>
    public bool SupportsSnapshots { get; init; }

    /// <summary>
    /// How long a healthy launch may take to reach <see cref="RunState.Running"/> (near zero for a local process, minutes
    /// for a fresh VM). Waiters should allow at least this before calling a pending run stuck.
    /// </summary>
    public TimeSpan ExpectedLaunchDelay { get; init; }

    /// <summary>A sensible interval between <see cref="IRunBackend.GetStatusAsync"/> calls when polling.</summary>
    public TimeSpan StatusPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a written log line may take to become visible through <see cref="IRunBackend.StreamLogsAsync"/>.</summary>
    public TimeSpan LogLatency { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long <see cref="IRunBackend.TerminateAsync"/> lets the run handle SIGTERM before it is killed.</summary>
    public TimeSpan TerminationGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether a backend instance in a new process (or after a restart) can still report status and logs of runs launched
    /// by an earlier instance.
    /// </summary>
    public bool RecoversRunsAfterRestart { get; init; }
}
