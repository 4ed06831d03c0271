using System.Text.Json;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// Cancelling a pipeline run from another process: <see cref="RequestAsync"/> stores a create-only request for the
/// run's current attempt, and the <see cref="PipelineRunner"/> running that attempt polls for it and cancels the run as
/// if its caller had (the record ends <see cref="PipelineRunStatus.Cancelled"/>; <c>RunAsync</c> throws
/// <see cref="OperationCanceledException"/>).
/// </summary>
public static class PipelineRunCancellation
{
    /// <summary>Asks the running attempt of <paramref name="runId"/> to stop. Asking twice returns the first request.</summary>
    /// <exception cref="PipelineRunNotFoundException">No run has that id.</exception>
    /// <exception cref="InvalidOperationException">The run is not <see cref="PipelineRunStatus.Running"/>.</exception>
    public static async Task<PipelineCancelRequest> RequestAsync(IObjectStorage storage, string runId, string reason, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var record = (await new PipelineRunStore(storage).TryReadAsync(RunId.Validate(runId), cancellationToken).ConfigureAwait(false))?.Record
            ?? throw new PipelineRunNotFoundException(runId);
        if (record.Status != PipelineRunStatus.Running)
        {
            throw new InvalidOperationException($"Run '{runId}' is {record.Status}, not Running: there is nothing to cancel.");
        }

        var request = new PipelineCancelRequest
        {
            RunId = runId,
            Attempt = record.Attempt,
            Reason = reason,
            RequestedAt = (timeProvider ?? TimeProvider.System).GetUtcNow(),
            RequestedBy = $"{Environment.UserName}@{Environment.MachineName}",
        };
        var key = PipelinePaths.CancelRequest(runId, record.Attempt);
        try
        {
            using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(request, PipelineCancelJsonContext.Default.PipelineCancelRequest), writable: false);
            await storage.PutAsync(key, content, new PutObjectOptions { IfGenerationMatch = 0, ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
            return request;
        }
        catch (PreconditionFailedException)
        {
            return await TryReadAsync(storage, key, cancellationToken).ConfigureAwait(false) ?? request;
        }
    }

    /// <summary>The cancel request for one attempt of a run, or null.</summary>
    public static Task<PipelineCancelRequest?> TryGetAsync(IObjectStorage storage, string runId, int attempt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        return TryReadAsync(storage, PipelinePaths.CancelRequest(runId, attempt), cancellationToken);
    }

    /// <summary>How often a running attempt looks for a request: one stat per second.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs <paramref name="run"/> with a token that is also cancelled when a request for this attempt appears
    /// (polled every <see cref="PollInterval"/> of wall-clock time: a request comes from another process, so the
    /// runner's own, possibly simulated, clock has no say in when it is noticed).
    /// </summary>
    internal static async Task<T> RunWatchedAsync<T>(IObjectStorage storage, string runId, int attempt, Func<CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        var key = PipelinePaths.CancelRequest(runId, attempt);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopWatching = new CancellationTokenSource();
        var watch = WatchAsync(storage, key, linked, stopWatching.Token);
        try
        {
            return await run(linked.Token).ConfigureAwait(false);
        }
        finally
        {
            await stopWatching.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
        }
    }

    private static async Task WatchAsync(IObjectStorage storage, string key, CancellationTokenSource cancel, CancellationToken stop)
    {
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                await Task.Delay(PollInterval, stop).ConfigureAwait(false);
                if (await RequestExistsAsync(storage, key, stop).ConfigureAwait(false))
                {
                    await cancel.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static async Task<bool> RequestExistsAsync(IObjectStorage storage, string key, CancellationToken stop)
    {
        try
        {
            return await storage.StatAsync(key, stop).ConfigureAwait(false) is not null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A failed poll must never fail the run it watches; the next poll retries.
            return false;
        }
    }

    private static async Task<PipelineCancelRequest?> TryReadAsync(IObjectStorage storage, string key, CancellationToken cancellationToken)
    {
        try
        {
            var read = await storage.GetAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (read.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(read.Content, PipelineCancelJsonContext.Default.PipelineCancelRequest, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }
}
