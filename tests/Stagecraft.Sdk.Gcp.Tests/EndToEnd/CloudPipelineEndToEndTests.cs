using System.Diagnostics;
using System.Text.Json;
using Stagecraft.CloudExperiment;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Pipelines;
using Stagecraft.InFlight;
using Stagecraft.Local.Processes;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Sdk.Gcp.Tests.Storage;
using Stagecraft.Testing;
using Xunit.Abstractions;

namespace Stagecraft.Sdk.Gcp.Tests.EndToEnd;

/// <summary>
/// A pipeline really running on (emulated) Compute Engine: every VM is a real bash process running our real startup
/// script, which downloads the real bundle from the fake bucket, verifies it and starts the experiment's own
/// self-contained program as the stage's worker; the worker opens the same bucket through the VM's metadata server.
/// </summary>
public sealed class CloudPipelineEndToEndTests(CloudExperimentBundle bundle, ITestOutputHelper output) : IClassFixture<CloudExperimentBundle>
{
    private static readonly TimeSpan StageTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_bundle_runs_with_an_empty_environment_where_no_dotnet_is_installed()
    {
        var check = await ProgramRun.WithEmptyEnvironmentAsync(Path.Combine(bundle.PublishDirectory, CloudExperimentBundle.EntryPoint), "--bundle-check");

        Assert.True(check.ExitCode == 0, check.Stderr);
        Assert.Contains("bundle runs on .NET", check.Stdout, StringComparison.Ordinal);
        output.WriteLine($"bundle: {bundle.Size} bytes packed in {bundle.PackTime.TotalSeconds:F1} s; sha256 {bundle.Sha256}");
    }

    [Fact]
    public async Task Stages_run_on_their_profiles_vms_from_the_shipped_bundle_match_the_in_process_run_and_rerun_from_cache_without_vms()
    {
        await using var cloud = await CloudPipelineHarness.StartAsync(bundle);
        var started = Stopwatch.GetTimestamp();

        var result = await cloud.RunAsync("cloud-first", CloudPipelineHarness.Inputs(seed: 11)).WaitAsync(StageTimeout * 2);
        output.WriteLine($"first run: {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s, {cloud.CreatedInstances.Count} VMs");

        Assert.True(result.Succeeded, Describe(result));
        var record = await cloud.Runner.GetRunRecordAsync(result.RunId);
        Assert.Equal(PipelineRunner.InProcessBackend, record.GetStage("Generate")!.Backend);
        foreach (var stage in (string[])["Train", "Summarise", "Report"])
        {
            Assert.Equal(GceRunBackend.BackendName, record.GetStage(stage)!.Backend);
            Assert.Equal(0, record.GetStage(stage)!.ExitCode);
        }

        // One VM per remote stage, each of its profile's shape, and none outlives its run.
        var vms = cloud.CreatedInstances;
        Assert.Equal(3, vms.Count);
        var train = Assert.Single(vms, vm => vm.Labels[CloudPipelineHarness.StageLabel] == "train");
        Assert.Equal("SPOT", train.Resource["scheduling"]?["provisioningModel"]?.GetValue<string>());
        Assert.Contains("nvidia-l4", train.Resource["guestAccelerators"]?[0]?["acceleratorType"]?.GetValue<string>() ?? string.Empty, StringComparison.Ordinal);
        Assert.All(vms.Where(vm => vm != train), vm => Assert.EndsWith("/e2-standard-2", vm.Resource["machineType"]!.GetValue<string>(), StringComparison.Ordinal));

        // The code reached each VM as the bundle, and the worker command is resolved inside it: no path of this machine
        // (repository, test output, publish output, this process) is in what a VM was given.
        var laptopPaths = new[] { RepositoryLayout.Root, AppContext.BaseDirectory.TrimEnd('/'), bundle.PublishDirectory, Environment.ProcessPath!, Path.GetTempPath().TrimEnd('/') };
        foreach (var vm in vms)
        {
            var script = vm.MetadataItem("startup-script")!;
            var spec = JsonDocument.Parse(vm.MetadataItem("stagecraft-run-spec")!).RootElement;
            Assert.Equal("./" + CloudExperimentBundle.EntryPoint, spec.GetProperty("command").GetString());
            Assert.Contains(bundle.Sha256, script, StringComparison.Ordinal);
            foreach (var path in laptopPaths)
            {
                Assert.DoesNotContain(path, script, StringComparison.Ordinal);
                Assert.DoesNotContain(path, vm.MetadataItem("stagecraft-run-spec")!, StringComparison.Ordinal);
            }
        }

        // The same pipeline in process on local storage (its profiles dropped: no placement there) gives outputs of the same content.
        using var local = new TempDirectory("cloud-e2e-local");
        var inProcess = new PipelineRunner(new PipelineRunnerOptions { Storage = new LocalObjectStorage(local.Combine("store")), WorkDirectory = local.Combine("work"), HandleTerminationSignals = false });
        var localGraph = Rebuild(CloudDemo.Graph, s => s with { Profile = null });
        var localResult = await inProcess.RunAsync(localGraph, CloudPipelineHarness.Inputs(seed: 11), new PipelineRunOptions { RunId = "local-first" });
        Assert.True(localResult.Succeeded, Describe(localResult));
        var localRecord = await inProcess.GetRunRecordAsync(localResult.RunId);
        foreach (var stage in record.Stages)
        {
            Assert.Equal(localRecord.GetStage(stage.Stage)!.Output!.Fingerprint, stage.Output!.Fingerprint);
        }

        Assert.Equal(localResult.GetOutput<string>("Report"), result.GetOutput<string>("Report"));

        // Again: every stage from the cache, and not one VM.
        var again = await cloud.RunAsync("cloud-second", CloudPipelineHarness.Inputs(seed: 11)).WaitAsync(StageTimeout);
        Assert.True(again.Succeeded, Describe(again));
        Assert.All(again.Stages.Values, stage => Assert.Equal(StageStatus.Cached, stage.Status));
        Assert.Equal(3, cloud.CreatedInstances.Count);

        await WaitUntilAsync(() => cloud.LiveInstancesOf(result.RunId).Count == 0, TimeSpan.FromSeconds(20));
        output.WriteLine($"whole test: {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Cancelling_a_run_while_a_stage_runs_on_a_vm_leaves_no_instance_of_the_run()
    {
        await using var cloud = await CloudPipelineHarness.StartAsync(bundle);
        using var cancel = new CancellationTokenSource();
        const string RunId = "cloud-cancelled";

        var run = cloud.RunAsync(RunId, CloudPipelineHarness.Inputs(seed: 5, trainDelayMilliseconds: 600_000), cancellationToken: cancel.Token);
        await cloud.WaitForRunningStageAsync(RunId, "Train", StageTimeout);

        // Summarise runs beside Train and ends by itself; cancel once only Train is left, so what remains is the cancel's work.
        await WaitUntilAsync(() => cloud.LiveInstancesOf(RunId).Count == 1, StageTimeout);
        await cancel.CancelAsync();

        await Assert.ThrowsAsync<PipelineRunCancelledException>(() => run.WaitAsync(StageTimeout));
        Assert.Empty(cloud.LiveInstancesOf(RunId));
        Assert.Equal(PipelineRunStatus.Cancelled, (await cloud.Runner.GetRunRecordAsync(RunId)).Status);
    }

    [Fact]
    public async Task Ctrl_c_to_a_coordinator_process_configured_from_the_environment_leaves_no_instance_of_the_run()
    {
        await using var cloud = await CloudPipelineHarness.StartAsync(bundle);
        const string RunId = "cloud-interrupted";
        await using var coordinator = cloud.StartCoordinator(RunId, seed: 9, trainDelayMilliseconds: 600_000);

        await cloud.WaitForRunningStageAsync(RunId, "Train", StageTimeout);
        await WaitUntilAsync(() => cloud.LiveInstancesOf(RunId).Count == 1, StageTimeout);
        await coordinator.SignalAsync("INT");

        var exitCode = await coordinator.WaitForExitAsync(StageTimeout);
        Assert.True(exitCode == 130, $"exit code {exitCode}: {coordinator.Output}");
        Assert.Empty(cloud.LiveInstancesOf(RunId));
        Assert.Equal(PipelineRunStatus.Cancelled, (await cloud.Runner.GetRunRecordAsync(RunId)).Status);

        // The coordinator found the build target's bundle beside itself: the same bytes the fixture packed, not uploaded twice.
        Assert.Contains(bundle.Sha256, coordinator.Output, StringComparison.Ordinal);
        Assert.Single(cloud.Bed.Gcs.GetObjects(GcsTestBed.Bucket), o => o.Name.StartsWith("bundles/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_preempted_spot_vm_is_replaced_by_a_new_vm_and_the_run_matches_the_in_process_run()
    {
        await using var cloud = await CloudPipelineHarness.StartAsync(bundle);
        const string RunId = "cloud-preempted";
        var events = new EventLog();

        // Train waits long enough on its first VM to be preempted while it runs; its second VM waits as long, then works.
        var run = cloud.RunAsync(RunId, CloudPipelineHarness.Inputs(seed: 13, trainDelayMilliseconds: 3_000), progress: events);
        var first = await cloud.WaitForRunningStageAsync(RunId, "Train", StageTimeout);

        // While it runs, the run record already names its attempt and backend run (what `runs show` and `runs logs -f` read).
        var running = await WaitForStageRecordAsync(cloud.Runner, RunId, "Train", s => s.Attempts.Length == 1);
        Assert.Equal(StageStatus.Pending, running.Status);
        Assert.Equal(GceRunBackend.InstanceName(running.BackendRunId!), first.Name);
        Assert.Equal((1, (DateTimeOffset?)null), (running.Attempts[0].Number, running.Attempts[0].FinishedAt));
        Assert.Equal(GceRunBackend.BackendName, running.Backend);

        await cloud.PreemptAsync(first);

        // The retry is in the record as it runs too: the preempted attempt finished, the new one under way on another backend run.
        var retrying = await WaitForStageRecordAsync(cloud.Runner, RunId, "Train", s => s.Attempts.Length == 2);
        Assert.Equal(RunInterruption.Preempted, retrying.Attempts[0].Interruption);
        Assert.Equal(retrying.Attempts[1].BackendRunId, retrying.BackendRunId);
        Assert.NotEqual(running.BackendRunId, retrying.BackendRunId);

        var result = await run.WaitAsync(StageTimeout * 2);
        Assert.True(result.Succeeded, Describe(result));

        var record = await cloud.Runner.GetRunRecordAsync(RunId);
        var train = record.GetStage("Train")!;
        Assert.Equal(StageStatus.Succeeded, train.Status);
        Assert.Equal(2, train.Attempts.Length);
        var (preempted, retried) = (train.Attempts[0], train.Attempts[1]);
        Assert.Equal((1, 2), (preempted.Number, retried.Number));
        Assert.NotEqual(preempted.BackendRunId, retried.BackendRunId);
        Assert.Equal(RunInterruption.Preempted, preempted.Interruption);
        Assert.True(preempted.Retried);
        Assert.Equal((RunInterruption.None, 0), (retried.Interruption, retried.ExitCode));
        Assert.All(train.Attempts, a => Assert.Equal((GceRunBackend.BackendName, CloudDemo.GpuProfile), (a.Backend, a.Profile)));

        // Each attempt had its own VM: the preempted one and a new one, both of the spot GPU profile.
        var trainVms = cloud.CreatedInstances.Where(vm => vm.Labels[CloudPipelineHarness.StageLabel] == "train").ToList();
        Assert.Equal(2, trainVms.Count);
        Assert.Equal(first.Name, trainVms[0].Name);
        Assert.All(trainVms, vm => Assert.Equal("SPOT", vm.Resource["scheduling"]?["provisioningModel"]?.GetValue<string>()));

        // The coordinator said so while it happened.
        var retryEvent = Assert.Single(events.Snapshot(), e => e.Kind == PipelineEventKind.StageRetrying);
        Assert.Equal(("Train", 2), (retryEvent.Stage, retryEvent.Attempt));

        // Outputs are those of the same pipeline in process.
        using var local = new TempDirectory("cloud-e2e-preempt-local");
        var inProcess = new PipelineRunner(new PipelineRunnerOptions { Storage = new LocalObjectStorage(local.Combine("store")), WorkDirectory = local.Combine("work"), HandleTerminationSignals = false });
        var localResult = await inProcess.RunAsync(Rebuild(CloudDemo.Graph, s => s with { Profile = null }), CloudPipelineHarness.Inputs(seed: 13, trainDelayMilliseconds: 3_000), new PipelineRunOptions { RunId = "local-preempt" });
        Assert.True(localResult.Succeeded, Describe(localResult));
        var localRecord = await inProcess.GetRunRecordAsync(localResult.RunId);
        foreach (var stage in record.Stages)
        {
            Assert.Equal(localRecord.GetStage(stage.Stage)!.Output!.Fingerprint, stage.Output!.Fingerprint);
        }

        await WaitUntilAsync(() => cloud.LiveInstancesOf(RunId).Count == 0, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_sigkilled_coordinators_vms_are_deleted_by_the_next_runner_start_and_resume_completes_the_run()
    {
        await using var cloud = await CloudPipelineHarness.StartAsync(bundle);
        const string RunId = "cloud-coordinator-killed";

        // Train waits long enough on its VM for the kill to land while it runs, short enough for the resume to redo it.
        await using (var coordinator = cloud.StartCoordinator(RunId, seed: 17, trainDelayMilliseconds: 8_000))
        {
            var vm = await cloud.WaitForRunningStageAsync(RunId, "Train", StageTimeout);
            await coordinator.SignalAsync("KILL");
            Assert.Equal(137, await coordinator.WaitForExitAsync(StageTimeout));
            Assert.Contains(cloud.LiveInstancesOf(RunId), i => i.Name == vm.Name);
        }

        // What the coordinator left for the next runner start on this machine: its VMs, recorded under the dead owner.
        var registry = new FileInFlightRegistryStore(Path.Combine(cloud.StateDirectory, GcpPipelineRunner.InFlightRegistryFile));
        Assert.NotEmpty((await registry.ReadAsync()).Entries);
        var next = new PipelineRunner(cloud.RunnerOptions with { InFlightRegistry = registry, ProcessTable = new LinuxProcessTable() });

        var report = await next.ReapOrphanedBackendRunsAsync();

        Assert.NotEmpty(report.TerminatedRuns);
        Assert.Empty(cloud.LiveInstancesOf(RunId));
        Assert.Empty((await registry.ReadAsync()).Entries);

        var resumed = await next.ResumeAsync(CloudDemo.Graph, RunId).WaitAsync(StageTimeout * 2);
        Assert.True(resumed.Succeeded, Describe(resumed));
        Assert.Equal(PipelineRunStatus.Succeeded, (await next.GetRunRecordAsync(RunId)).Status);
        Assert.Equal(StageStatus.Succeeded, resumed.Stages["Report"].Status);
        await WaitUntilAsync(() => cloud.LiveInstancesOf(RunId).Count == 0, TimeSpan.FromSeconds(20));
        Assert.Empty((await registry.ReadAsync()).Entries);
    }

    [Fact]
    public async Task A_worker_whose_bundled_code_differs_from_the_coordinators_graph_refuses_the_stage_on_the_vm()
    {
        await using var cloud = await CloudPipelineHarness.StartAsync(bundle);
        var changed = WithCodeHash(CloudDemo.Graph, "Summarise", new string('0', 64));

        var result = await cloud.RunAsync("cloud-stale-bundle", CloudPipelineHarness.Inputs(seed: 3), changed).WaitAsync(StageTimeout * 2);

        Assert.False(result.Succeeded);
        Assert.Equal(StageStatus.Failed, result.Stages["Summarise"].Status);
        Assert.Contains("runs different code than the coordinator", result.Stages["Summarise"].Reason ?? result.Stages["Summarise"].Error?.Message, StringComparison.Ordinal);
        Assert.Equal(StageStatus.Succeeded, result.Stages["Train"].Status);
    }

    private static PipelineGraph WithCodeHash(PipelineGraph graph, string stageName, string codeHash) =>
        Rebuild(graph, s => s.Name != stageName ? s : s with { CodeHash = codeHash });

    /// <summary>The graph with each stage's descriptor rebuilt from <paramref name="change"/>'s copy of its settings.</summary>
    private static PipelineGraph Rebuild(PipelineGraph graph, Func<StageSettings, StageSettings> change) => new(
        graph.Name,
        [.. graph.Stages.Select(stage =>
        {
            var s = change(new StageSettings(stage.Name, stage.CodeHash, stage.Profile));
            return new StageDescriptor(stage.Name, stage.Version, s.CodeHash, stage.OutputType, stage.Parameters, stage.Invoker)
            {
                OutputNullable = stage.OutputNullable,
                Profile = s.Profile,
                Timeout = stage.Timeout,
                Retries = stage.Retries,
            };
        })],
        graph.Inputs);

    private sealed record StageSettings(string Name, string CodeHash, string? Profile);

    private static string Describe(PipelineRunResult result) =>
        string.Join("; ", result.Stages.Values.Select(s => $"{s.Stage}: {s.Status} {s.Reason} {s.Error?.Message}"));

    /// <summary>Collects a run's events as they are reported (synchronously, unlike <see cref="Progress{T}"/>).</summary>
    private sealed class EventLog : IProgress<PipelineEvent>
    {
        private readonly List<PipelineEvent> _events = [];

        public void Report(PipelineEvent value)
        {
            lock (_events)
            {
                _events.Add(value);
            }
        }

        public IReadOnlyList<PipelineEvent> Snapshot()
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Polls the stored run record until stage <paramref name="stage"/>'s record satisfies <paramref name="condition"/>.</summary>
    private static async Task<StageRunRecord> WaitForStageRecordAsync(PipelineRunner runner, string runId, string stage, Func<StageRunRecord, bool> condition)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(StageTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if ((await runner.GetRunRecordAsync(runId)).GetStage(stage) is { } found && condition(found))
            {
                return found;
            }

            Assert.True(Stopwatch.GetTimestamp() < deadline, $"Stage {stage} of run {runId} did not reach the expected record within {StageTimeout}.");
            await Task.Delay(100);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, $"Condition not met within {timeout}.");
            await Task.Delay(100);
        }
    }
}
