namespace Stagecraft.Runs;

/// <summary>
/// Starts runs and reports on them: a local child process, a Compute Engine VM, or anything else that can execute a
/// <see cref="RunSpec"/> and keep its logs and exit code in object storage under <see cref="RunPaths"/>.
/// </summary>
/// <remarks>
/// <para>
/// The status of a finished run is read from its exit-code object (<see cref="RunPaths.ExitCode"/>,
/// <see cref="RunExitRecord"/>), never from the machine, which may outlive the run. Looking a run up by handle is O(1):
/// no listing of all runs.
/// </para>
/// <para>Behaviour that differs between backends is described by <see cref="Capabilities"/>, not by type checks.</para>
/// <para>
/// Disposing a backend releases what it holds in this process (HTTP clients, log shippers, monitors); runs it
/// launched keep running and are found again by a new backend over the same storage.
/// </para>
/// </remarks>
public interface IRunBackend : IAsyncDisposable
{
    /// <summary>What this backend supports and its timing characteristics.</summary>
    BackendCapabilities Capabilities { get; }

    /// <summary>Starts a run. Returns once the run is recorded in storage and on its way.</summary>
    /// <exception cref="RunAlreadyExistsException">A run with <see cref="RunSpec.RunId"/> was launched before (ids are never reused).</exception>
    /// <exception cref="InvalidRunSpecException">The spec asks for something this backend cannot do (e.g. an image without <see cref="BackendCapabilities.SupportsContainerImages"/>).</exception>
    Task<RunHandle> LaunchAsync(RunSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Reports the run's current status.</summary>
    /// <exception cref="RunNotFoundException">The backend has no record of this launch.</exception>
    Task<RunStatus> GetStatusAsync(RunHandle handle, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops the run and its whole process tree (SIGTERM, <see cref="BackendCapabilities.TerminationGracePeriod"/>, then
    /// SIGKILL) and returns its final status. Idempotent: terminating a finished run returns its status unchanged.
    /// </summary>
    Task<RunStatus> TerminateAsync(RunHandle handle, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams one of the run's output streams line by line. With <paramref name="follow"/> false, yields what has been
    /// written so far; with it true, keeps yielding lines as they are written and ends once the run has ended and every
    /// line has been yielded.
    /// </summary>
    IAsyncEnumerable<string> StreamLogsAsync(RunHandle handle, LogStream stream, bool follow = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Finds the launch of <paramref name="runId"/> made by any instance of this backend (in any process), for a caller
    /// that lost the handle — e.g. a coordinator killed while <see cref="LaunchAsync"/> ran, whose run an orphan reaper
    /// must still stop. Null when no launch of that id exists, or when this backend cannot look runs up by id (the default).
    /// </summary>
    Task<RunHandle?> FindRunAsync(string runId, CancellationToken cancellationToken = default) => Task.FromResult<RunHandle?>(null);
}
