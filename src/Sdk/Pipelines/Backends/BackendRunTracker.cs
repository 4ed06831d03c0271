using Microsoft.Extensions.Logging;
using Stagecraft.InFlight;
using Stagecraft.Runs;

namespace Stagecraft.Pipelines;

/// <summary>
/// Keeps the in-flight registry in step with the backend runs this process launches for stages: an entry (owned by
/// this process, with its identity) is written before every launch, gets the handle once the launch returns, is handed
/// to the reaper when the launch fails, and is cleared when the run ended. A coordinator killed at any point leaves
/// entries whose owner is gone; the next runner start on this host stops those runs (<see cref="PipelineRunner.ReapOrphanedBackendRunsAsync"/>).
/// </summary>
internal sealed partial class BackendRunTracker
{
    private readonly InFlightDispatcher _dispatcher;
    private readonly ILogger _logger;

    public BackendRunTracker(IInFlightRegistryStore store, IProcessTable processes, string hostName, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _logger = loggerFactory.CreateLogger<BackendRunTracker>();
        _dispatcher = new InFlightDispatcher(
            store,
            processes,
            new InFlightDispatcherOptions { OwnerId = RunOwnership.NewOwnerId(hostName), HostName = hostName, TimeProvider = timeProvider, LoggerFactory = loggerFactory });
    }

    /// <summary>Before the launch: a run that cannot be recorded is not launched (it could leak).</summary>
    public Task LaunchingAsync(string backend, string runId, CancellationToken cancellationToken) =>
        _dispatcher.RecordBackendRunAsync(runId, new InFlightBackendRun(backend, runId), cancellationToken);

    /// <summary>After the launch: the handle lets a reaper stop the run without asking the backend to find it.</summary>
    public async Task LaunchedAsync(RunHandle handle)
    {
        try
        {
            await _dispatcher.RecordBackendRunAsync(handle.RunId, new InFlightBackendRun(handle.Backend, handle.RunId, handle.ToJson()), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // The entry written before the launch still names the run; a reaper finds it by its id.
            LogWriteFailed(_logger, handle.RunId, ex);
        }
    }

    /// <summary>The launch failed: whatever it may have started is the reaper's.</summary>
    public async Task LaunchFailedAsync(string runId)
    {
        try
        {
            await _dispatcher.HandOffAsync(runId, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // The tracked entry stays; once this process is gone a reaper takes it.
            LogWriteFailed(_logger, runId, ex);
        }
    }

    /// <summary>The run ended (or was terminated): nothing of it is left to reap.</summary>
    public async Task EndedAsync(string runId)
    {
        try
        {
            await _dispatcher.CompleteAsync(runId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // A leftover entry is harmless: stopping a run that has ended changes nothing.
            LogWriteFailed(_logger, runId, ex);
        }
    }

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "Updating the in-flight registry entry of backend run {RunId} failed")]
    private static partial void LogWriteFailed(ILogger logger, string runId, Exception exception);
}
