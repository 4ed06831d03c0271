using Stagecraft.Runs;

namespace Stagecraft.Sdk.Tests.Pipelines.Support;

/// <summary>A real run backend with a hook before every launch (e.g. to damage what the coordinator stored for the run).</summary>
internal sealed class InterceptingRunBackend(IRunBackend inner, Func<RunSpec, Task> beforeLaunch) : IRunBackend
{
    public BackendCapabilities Capabilities => inner.Capabilities;

    public async Task<RunHandle> LaunchAsync(RunSpec spec, CancellationToken cancellationToken = default)
    {
        await beforeLaunch(spec);
        return await inner.LaunchAsync(spec, cancellationToken);
    }

    public Task<RunStatus> GetStatusAsync(RunHandle handle, CancellationToken cancellationToken = default) => inner.GetStatusAsync(handle, cancellationToken);

    public Task<RunStatus> TerminateAsync(RunHandle handle, CancellationToken cancellationToken = default) => inner.TerminateAsync(handle, cancellationToken);

    public IAsyncEnumerable<string> StreamLogsAsync(RunHandle handle, LogStream stream, bool follow = false, CancellationToken cancellationToken = default) =>
        inner.StreamLogsAsync(handle, stream, follow, cancellationToken);

    public Task<RunHandle?> FindRunAsync(string runId, CancellationToken cancellationToken = default) => inner.FindRunAsync(runId, cancellationToken);

    // The inner backend belongs to whoever created it.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
