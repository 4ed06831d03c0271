using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Stagecraft.Pipelines;
using Stagecraft.Runs;

namespace Stagecraft.Sdk.Tests.Pipelines.Support;

/// <summary>How a <see cref="ScriptedRunBackend"/> launch ends.</summary>
internal enum ScriptedOutcome
{
    /// <summary>The real worker runs the stage (in this process) and the run ends with its exit code.</summary>
    Work,

    /// <summary>The VM is preempted: exit 143 that nobody requested.</summary>
    Preempt,

    /// <summary>The machine vanishes without an exit code.</summary>
    Lose,

    /// <summary>Someone else terminated the run.</summary>
    TerminatedElsewhere,

    /// <summary>Runs until terminated.</summary>
    Hang,
}

/// <summary>
/// A run backend whose launches end as scripted, one outcome per launch in order (then <see cref="ScriptedOutcome.Work"/>);
/// working launches run the real <see cref="PipelineWorker"/> against the shared storage, so outputs are real.
/// </summary>
internal sealed class ScriptedRunBackend(PipelineRunner worker, PipelineGraph graph, string name = "scripted") : IRunBackend
{
    private readonly ConcurrentQueue<ScriptedOutcome> _script = new();
    private readonly ConcurrentDictionary<string, RunStatus> _status = new(StringComparer.Ordinal);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public BackendCapabilities Capabilities { get; } = new()
    {
        Name = name,
        StatusPollInterval = TimeSpan.FromMilliseconds(10),
        LogLatency = TimeSpan.FromMilliseconds(10),
        RecoversRunsAfterRestart = true,
    };

    public ConcurrentQueue<RunSpec> Launched { get; } = new();

    public ConcurrentQueue<RunHandle> Terminated { get; } = new();

    /// <summary>Called at the start of every launch (e.g. to look at the in-flight registry before the run exists).</summary>
    public Func<RunSpec, Task>? OnLaunch { get; set; }

    public void Script(params ScriptedOutcome[] outcomes)
    {
        foreach (var outcome in outcomes)
        {
            _script.Enqueue(outcome);
        }
    }

    public async Task<RunHandle> LaunchAsync(RunSpec spec, CancellationToken cancellationToken = default)
    {
        if (OnLaunch is not null)
        {
            await OnLaunch(spec);
        }

        Launched.Enqueue(spec);
        var handle = new RunHandle(Capabilities.Name, spec.RunId, RunHandle.NewLaunchId());
        _status[spec.RunId] = new RunStatus(RunState.Preparing);
        var outcome = _script.TryDequeue(out var next) ? next : ScriptedOutcome.Work;
        _status[spec.RunId] = outcome switch
        {
            ScriptedOutcome.Work => await WorkAsync(spec.RunId, cancellationToken),
            ScriptedOutcome.Preempt => new RunStatus(RunState.Failed, 143, "preempted spot VM") { Interruption = RunInterruption.Preempted },
            ScriptedOutcome.Lose => new RunStatus(RunState.Lost, null, "the VM is gone") { Interruption = RunInterruption.MachineLost },
            ScriptedOutcome.TerminatedElsewhere => new RunStatus(RunState.Terminated, 143, "terminated by someone else"),
            _ => new RunStatus(RunState.Running),
        };
        return handle;
    }

    public Task<RunStatus> GetStatusAsync(RunHandle handle, CancellationToken cancellationToken = default) =>
        Task.FromResult(_status.TryGetValue(handle.RunId, out var status) ? status : throw new RunNotFoundException(handle.RunId, "never launched"));

    public Task<RunStatus> TerminateAsync(RunHandle handle, CancellationToken cancellationToken = default)
    {
        Terminated.Enqueue(handle);
        var status = _status.AddOrUpdate(handle.RunId, _ => throw new RunNotFoundException(handle.RunId, "never launched"), (_, s) => s.IsTerminal ? s : new RunStatus(RunState.Terminated, 143, "Terminated on request."));
        return Task.FromResult(status);
    }

    public Task<RunHandle?> FindRunAsync(string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_status.ContainsKey(runId) ? new RunHandle(Capabilities.Name, runId, "found-by-id") : null);

    public async IAsyncEnumerable<string> StreamLogsAsync(RunHandle handle, LogStream stream, bool follow = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield break;
    }

    private async Task<RunStatus> WorkAsync(string runId, CancellationToken cancellationToken)
    {
        var exit = await new PipelineWorker(worker).RunAsync(runId, [graph], cancellationToken);
        return exit == 0 ? new RunStatus(RunState.Succeeded, 0) : new RunStatus(RunState.Failed, exit);
    }
}
