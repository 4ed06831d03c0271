using Stagecraft.InFlight;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Sdk.Tests.InFlight;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using Stagecraft.Testing.InFlight;
using static Stagecraft.Sdk.Tests.Pipelines.Support.Graphs;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>
/// Every backend run a runner launches is in the in-flight registry, owned by the runner's process, from before its
/// launch until it ended; the next runner start stops the runs of owners that are gone and never those of a live one.
/// (The same with real processes and a real SIGKILL: <see cref="PipelineBackendCrashTests"/>.)
/// </summary>
public sealed class PipelineBackendRegistryTests : IDisposable
{
    private const string Host = "test-host";
    private readonly RunnerFixture _fixture = new();
    private readonly FakeProcessTable _processes = new(self: 100, parentOfSelf: 50);
    private readonly InMemoryInFlightRegistryStore _registry = new();
    private readonly PipelineGraph _graph = Pipeline("Tracked", Graphs.Stage("Twice", args => (int)args[0]! * 2, Input<int>("x")));

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task A_backend_run_is_recorded_with_its_owner_before_its_launch_and_cleared_once_it_ended()
    {
        IReadOnlyList<InFlightEntry>? atLaunch = null;
        var backend = Backend(spec =>
        {
            atLaunch = _registry.Current.Entries;
            return Task.CompletedTask;
        });
        var runner = Runner(backend);

        var result = await runner.RunAsync(_graph, new Dictionary<string, object?> { ["x"] = 21 });

        Assert.Equal(42, result.GetOutput<int>("Twice"));
        var entry = Assert.Single(atLaunch!);
        var launched = Assert.Single(backend.Launched);
        Assert.Equal((launched.RunId, InFlightEntryState.Running), (entry.Name, entry.State));
        Assert.Equal(new InFlightBackendRun("scripted", launched.RunId), entry.BackendRun);
        Assert.Equal(new InFlightOwnerProcess(Host, _processes.GetIdentity(100)!), entry.OwnerProcess);
        Assert.Empty(_registry.Current.Entries);
    }

    [Fact]
    public async Task A_launched_run_carries_its_handle_and_a_cancelled_one_is_terminated_and_cleared()
    {
        var backend = Backend();
        backend.Script(ScriptedOutcome.Hang);
        var runner = Runner(backend);
        using var cancel = new CancellationTokenSource();

        var run = runner.RunAsync(_graph, new Dictionary<string, object?> { ["x"] = 1 }, cancel.Token);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (_registry.Current.Entries is not [{ BackendRun.Handle: not null }] && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        var entry = Assert.Single(_registry.Current.Entries);
        Assert.Equal(Assert.Single(backend.Launched).RunId, RunHandle.FromJson(entry.BackendRun!.Handle!).RunId);
        await cancel.CancelAsync();
        await Assert.ThrowsAsync<PipelineRunCancelledException>(() => run);

        Assert.Equal(entry.BackendRun.RunId, Assert.Single(backend.Terminated).RunId);
        Assert.Empty(_registry.Current.Entries);
    }

    [Fact]
    public async Task The_next_runner_start_stops_the_runs_of_owners_that_are_gone_and_never_those_of_a_live_owner()
    {
        var backend = Backend();
        backend.Script(ScriptedOutcome.Hang, ScriptedOutcome.Hang, ScriptedOutcome.Hang);
        var dead = await backend.LaunchAsync(new RunSpec("dead-owner-run", "/bin/true"));
        var alive = await backend.LaunchAsync(new RunSpec("live-owner-run", "/bin/true"));
        await backend.LaunchAsync(new RunSpec("unconfirmed-launch", "/bin/true"));
        var liveOwner = _processes.Add(600, 1, "dotnet experiment.dll");
        var deadOwner = new ProcessIdentity(500, 1000, "boot-1", "dotnet experiment.dll"); // no longer running
        var staleHeartbeat = DateTimeOffset.UtcNow - TimeSpan.FromDays(1);
        await _registry.UpdateAsync(d => d with
        {
            Entries =
            [
                Entry("dead-owner-run", deadOwner, Host, staleHeartbeat, dead.ToJson()),
                Entry("live-owner-run", liveOwner, Host, staleHeartbeat, alive.ToJson()),
                Entry("unconfirmed-launch", deadOwner, Host, staleHeartbeat, handle: null),
                Entry("elsewhere-run", deadOwner, "another-host", staleHeartbeat, handle: null),
                Entry("gce-run", deadOwner, Host, staleHeartbeat, handle: null) with { BackendRun = new InFlightBackendRun("gce", "gce-run") },
            ],
        });
        var terminatedAtLaunch = -1;
        backend.OnLaunch = _ =>
        {
            terminatedAtLaunch = backend.Terminated.Count;
            return Task.CompletedTask;
        };
        var runner = Runner(backend);

        // The first run of a new runner reaps before it launches its own stage.
        var result = await runner.RunAsync(_graph, new Dictionary<string, object?> { ["x"] = 5 });

        Assert.True(result.Succeeded);
        Assert.Equal(2, terminatedAtLaunch);
        Assert.Equal(["dead-owner-run", "unconfirmed-launch"], backend.Terminated.Select(h => h.RunId).Order(StringComparer.Ordinal));
        Assert.Equal(RunState.Running, (await backend.GetStatusAsync(alive)).State);
        Assert.Equal(
            ["elsewhere-run", "gce-run", "live-owner-run"],
            _registry.Current.Entries.Select(e => e.Name).Order(StringComparer.Ordinal));

        // Explicitly, again: idempotent, and it says why the rest is left alone.
        var report = await runner.ReapOrphanedBackendRunsAsync();
        Assert.Empty(report.TerminatedRuns);
        Assert.Equal(
            [("elsewhere-run", ReapSkipReason.OwnerOnAnotherHost), ("gce-run", ReapSkipReason.BackendUnavailable), ("live-owner-run", ReapSkipReason.OwnerAlive)],
            report.SkippedRuns.Select(s => (s.RunId, s.Reason)).OrderBy(s => s.RunId, StringComparer.Ordinal));
        Assert.Equal(2, backend.Terminated.Count);
    }

    [Fact]
    public async Task A_failed_launch_is_handed_to_the_reaper_which_finds_the_run_by_its_id()
    {
        var backend = Backend(spec => throw new RunBackendException($"launch of {spec.RunId} broke after starting something"));
        var runner = Runner(backend);

        var result = await runner.RunAsync(_graph, new Dictionary<string, object?> { ["x"] = 5 });

        Assert.False(result.Succeeded);
        var handedOff = Assert.Single(_registry.Current.Entries);
        Assert.Equal((InFlightEntryState.HandedOff, null), (handedOff.State, handedOff.BackendRun!.Handle));
        var attempt = Assert.Single((await runner.GetRunRecordAsync(result.RunId)).GetStage("Twice")!.Attempts);
        Assert.StartsWith("launch failed: RunBackendException", attempt.Reason, StringComparison.Ordinal);

        // A hand-off is reaped whatever its owner's state; the backend knows no such launch, so there is nothing to stop.
        var report = await runner.ReapOrphanedBackendRunsAsync();
        var reaped = Assert.Single(report.TerminatedRuns);
        Assert.Equal((handedOff.Name, null), (reaped.RunId, reaped.Status));
        Assert.Empty(_registry.Current.Entries);
    }

    [Fact]
    public void The_registry_and_the_process_table_go_together()
    {
        var ex = Assert.Throws<ArgumentException>(() => _fixture.CreateRunner(o => o with { InFlightRegistry = _registry }));
        Assert.Contains("ProcessTable", ex.Message, StringComparison.Ordinal);
    }

    private static InFlightEntry Entry(string runId, ProcessIdentity owner, string host, DateTimeOffset heartbeat, string? handle) =>
        new(runId, "owner-" + owner.Pid, heartbeat, InFlightEntryState.Running, [], null, new InFlightBackendRun("scripted", runId, handle), new InFlightOwnerProcess(host, owner));

    private ScriptedRunBackend Backend(Func<RunSpec, Task>? onLaunch = null) =>
        new(_fixture.CreateRunner(o => o with { WorkDirectory = _fixture.Temp.Combine("worker") }), _graph) { OnLaunch = onLaunch };

    private PipelineRunner Runner(ScriptedRunBackend backend) => _fixture.CreateRunner(o => o with
    {
        Backend = backend,
        WorkerCommand = new PipelineWorkerCommand("/bin/true"),
        InFlightRegistry = _registry,
        ProcessTable = _processes,
        HostName = Host,
    });
}
