namespace Stagecraft.Runs;

/// <summary>Conveniences built only on <see cref="IRunBackend"/>, so every backend gets them the same way.</summary>
public static class RunBackendExtensions
{
    /// <summary>
    /// Polls <see cref="IRunBackend.GetStatusAsync"/> every <see cref="BackendCapabilities.StatusPollInterval"/> until the
    /// run is terminal, and returns that status. Cancel through <paramref name="cancellationToken"/> to bound the wait.
    /// </summary>
    public static async Task<RunStatus> WaitForCompletionAsync(
        this IRunBackend backend,
        RunHandle handle,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(handle);
        timeProvider ??= TimeProvider.System;
        var interval = backend.Capabilities.StatusPollInterval;
        if (interval <= TimeSpan.Zero)
        {
            interval = TimeSpan.FromMilliseconds(100);
        }

        while (true)
        {
            var status = await backend.GetStatusAsync(handle, cancellationToken).ConfigureAwait(false);
            if (status.IsTerminal)
            {
                return status;
            }

            await Task.Delay(interval, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }
}
