using System.Diagnostics;
using System.Globalization;
using Stagecraft.Local.Runs;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Runs.Logs;
using Stagecraft.TestChild;
using Stagecraft.Testing;
using Stagecraft.WarmPool;

namespace Stagecraft.Sdk.Local.Tests.WarmPool;

/// <summary>
/// Warm local workers at their limits, with real worker processes: terminating a run on a claimed worker, run
/// timeouts, the local host for the reaper and emergency cleanup, claims never ACKed, and the exit-before-idle order.
/// </summary>
public sealed class LocalWarmWorkerLimitsTests : IDisposable
{
    private const string Profile = "local";
    private readonly TempDirectory _temp = new("local-warm-limits");
    private readonly LocalObjectStorage _storage;
    private readonly LocalRunBackend _backend;
    private readonly PipelineRunner _runner;
    private int _seed;

    public LocalWarmWorkerLimitsTests()
    {
        var storageRoot = _temp.Combine("store");
        _storage = new LocalObjectStorage(storageRoot);
        _backend = new LocalRunBackend(_storage, new LocalRunBackendOptions
        {
            StateDirectory = _temp.Combine("backend"),
            StatusPollInterval = TimeSpan.FromMilliseconds(50),
            LogShipInterval = TimeSpan.FromMilliseconds(200),
            TerminationGracePeriod = TimeSpan.FromSeconds(2),
            WarmPool = new WarmPoolOptions
            {
                Profiles = new Dictionary<string, WarmPoolProfileOptions>(StringComparer.Ordinal) { [Profile] = new() { IdleTimeout = TimeSpan.FromMinutes(2), AckTimeout = TimeSpan.FromSeconds(5), MaxInstances = 2 } },
                AckPollInterval = TimeSpan.FromMilliseconds(20),
                SelfDeleteGrace = TimeSpan.FromSeconds(1),
            },
            WarmPoolPollInterval = TimeSpan.FromMilliseconds(50),
        });
        _runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = _storage,
            WorkDirectory = _temp.Combine("work"),
            Backend = _backend,
            WorkerCommand = new PipelineWorkerCommand("dotnet", [TestChildProcess.ChildDllPath, "warm-limits-worker", storageRoot, _temp.Combine("worker")]),
            MaxParallelism = 1,
        });
    }

    private Stagecraft.WarmPool.WarmPool Pool => _backend.WarmPool!;

    public void Dispose()
    {
        // Whatever a failed test left running: every worker of the pool.
        _ = Pool.CleanupAsync([_backend.WarmInstanceHost], confirm: true).GetAwaiter().GetResult();
        _backend.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _temp.Dispose();
    }

    [Fact]
    public async Task Terminating_a_run_on_a_claimed_warm_worker_stops_that_worker_and_removes_its_document()
    {
        var gate = _temp.Combine("gate-terminate");
        var pipeline = RunAsync(gate);
        var (pid, runId) = await HoldingAsync(gate);

        // Hold runs on the worker First ran on: a claimed warm worker (its document counts First's job).
        var instance = Assert.Single(await Pool.ListAsync(Profile).ToListAsync());
        Assert.Equal((WarmInstanceState.Running, runId, 1), (instance.State, instance.RunId, instance.Jobs));
        var workerDirectory = DirectoryOf(instance);
        Assert.Equal(pid, WorkerPid(workerDirectory));
        Assert.NotEqual(runId, Path.GetFileName(Path.GetDirectoryName(workerDirectory)));

        var handle = await _backend.FindRunAsync(runId) ?? throw new InvalidOperationException("no handle");
        var status = await _backend.TerminateAsync(handle);

        Assert.Equal(RunState.Terminated, status.State);
        Assert.Equal(RunState.Terminated, (await _backend.GetStatusAsync(handle)).State);
        Assert.False(IsAlive(pid), "the warm worker still runs");
        Assert.Null(SupervisorAlive(workerDirectory));
        Assert.Empty(await Pool.ListAsync(Profile).ToListAsync());

        // The pipeline sees the stage terminated (no retry of a terminated run); First's run keeps its own success.
        var result = await pipeline;
        Assert.False(result.Succeeded);
        var record = await _runner.GetRunRecordAsync(result.RunId);
        var first = await _backend.FindRunAsync(record.Stages.Single(s => s.Stage == "First").BackendRunId!);
        Assert.Equal(RunState.Succeeded, (await _backend.GetStatusAsync(first!)).State);
        Assert.Empty(HoldingProcesses(gate));
    }

    [Fact]
    public async Task A_run_timeout_is_enforced_on_a_warm_worker_which_stays_warm_when_its_stage_stops_and_ends_when_it_cannot()
    {
        // Hold honours its cancellation: the run times out (124), the worker goes on idle and warm.
        var gate = _temp.Combine("gate-timeout");
        var clock = Stopwatch.StartNew();
        var result = await RunAsync(gate, TimeSpan.FromSeconds(2));
        Assert.False(result.Succeeded);
        var (pid, runId) = await HoldingAsync(gate);
        await IdleWorkerAsync();
        var status = await _backend.GetStatusAsync((await _backend.FindRunAsync(runId))!);
        Assert.Equal((RunState.Failed, 124), (status.State, status.ExitCode));
        Assert.Contains("Timed out", status.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60));
        var instance = Assert.Single(await Pool.ListAsync(Profile).ToListAsync());
        Assert.Equal((WarmInstanceState.Idle, 2), (instance.State, instance.Jobs));
        Assert.True(IsAlive(pid));
        Assert.Equal(pid, WorkerPid(DirectoryOf(instance)));

        // Hold ignores its cancellation: past the grace period the worker publishes 137 (timed out) and ends.
        var stubborn = _temp.Combine("gate-stubborn");
        await File.WriteAllTextAsync(stubborn + ".stubborn", "yes");
        result = await RunAsync(stubborn, TimeSpan.FromSeconds(2));
        Assert.False(result.Succeeded);
        var (stubbornPid, stubbornRun) = await HoldingAsync(stubborn);
        Assert.Equal(pid, stubbornPid); // the same warm worker, claimed again
        status = await _backend.GetStatusAsync((await _backend.FindRunAsync(stubbornRun))!);
        Assert.Equal((RunState.Failed, 137), (status.State, status.ExitCode));
        await WaitUntilAsync(() => !IsAlive(pid));

        // It left the pool (deleting), so no launch waits for it; the reaper removes the document of the ended worker.
        Assert.Equal(WarmInstanceState.Deleting, (await Pool.GetAsync(Profile, instance.InstanceId))!.State);
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        await new WarmPoolReaper(Pool, [_backend.WarmInstanceHost]).ReapAsync();
        Assert.Empty(await Pool.ListAsync(Profile).ToListAsync());
    }

    [Fact]
    public async Task The_reaper_removes_the_document_of_a_killed_idle_worker_and_cleanup_stops_every_worker()
    {
        var passed = _temp.Combine("gate-open");
        await File.WriteAllTextAsync(passed, "open");
        Assert.True((await RunAsync(passed)).Succeeded);
        var idle = await IdleWorkerAsync();
        var host = _backend.WarmInstanceHost;
        Assert.Equal(WarmMachineStatus.Alive, await host.ProbeAsync(idle));

        // Alive: the reaper leaves it. SIGKILLed: its machine is gone, and so is its document.
        Assert.Empty((await new WarmPoolReaper(Pool, [host]).ReapAsync()).Actions);
        Kill(WorkerPid(DirectoryOf(idle)), "KILL");
        await WaitUntilAsync(async () => await host.ProbeAsync(idle) == WarmMachineStatus.Gone);
        var reaped = await new WarmPoolReaper(Pool, [host]).ReapAsync();
        Assert.Contains(reaped.Actions, a => a.InstanceId == idle.InstanceId && a.Kind == WarmPoolActionKind.RemovedDocument);
        Assert.Empty(await Pool.ListAsync(Profile).ToListAsync());

        // Two workers, each holding a stage: emergency cleanup stops both and reports each.
        var gates = new[] { _temp.Combine("gate-a"), _temp.Combine("gate-b") };
        var pipelines = gates.Select(g => RunAsync(g)).ToArray();
        var pids = new List<int>();
        foreach (var g in gates)
        {
            pids.Add((await HoldingAsync(g)).Pid);
        }

        var workers = await Pool.ListAsync(Profile).ToListAsync();
        Assert.Equal(2, workers.Count);
        Assert.Equal(pids.Order(), workers.Select(w => WorkerPid(DirectoryOf(w))).Order());
        var report = await Pool.CleanupAsync([host], confirm: true);
        Assert.Empty(report.Failures);
        Assert.Equal(workers.Select(w => w.InstanceId).Order(), report.DeletedMachines.Order());
        Assert.All(pids, p => Assert.False(IsAlive(p), $"worker {p} still runs"));
        Assert.All(workers, w => Assert.Null(SupervisorAlive(DirectoryOf(w))));
        Assert.Empty(await Pool.ListAsync(Profile).ToListAsync());

        // The stages were lost with their workers; their retries run cold (the pool stays drained) once the gates open.
        foreach (var g in gates)
        {
            await File.WriteAllTextAsync(g, "open");
        }

        foreach (var p in pipelines)
        {
            Assert.True((await p).Succeeded);
        }

        Assert.Empty(await Pool.ListAsync(Profile).ToListAsync());
    }

    [Theory]
    [InlineData("STOP")]
    [InlineData("KILL")]
    public async Task A_claim_the_worker_never_acks_is_released_and_the_launch_runs_cold(string signal)
    {
        var first = _temp.Combine("gate-first");
        await File.WriteAllTextAsync(first, "open");
        Assert.True((await RunAsync(first)).Succeeded);
        var silent = await IdleWorkerAsync();
        var silentPid = WorkerPid(DirectoryOf(silent));
        Kill(silentPid, signal);
        try
        {
            // The next pipeline claims the silent worker first (it is the only one idle), gets no ACK, releases it and starts cold.
            var second = _temp.Combine("gate-second");
            await File.WriteAllTextAsync(second, "open");
            var result = await RunAsync(second);
            Assert.True(result.Succeeded);
            Assert.Equal((_seed * 2) + 1, result.GetOutput<int>("Hold"));
            var (holdPid, _) = await HoldingAsync(second);
            Assert.NotEqual(silentPid, holdPid);

            var after = await Pool.GetAsync(Profile, silent.InstanceId);
            Assert.NotNull(after);
            Assert.Equal((WarmInstanceState.Idle, (string?)null, 2), (after.State, after.ClaimId, after.Jobs));
            Assert.True(after.Generation > silent.Generation, "the claim and its release moved the document");
            Assert.Empty(await _storage.ListAsync(Pool.Paths.JobsPrefix(Profile)).ToListAsync());
        }
        finally
        {
            if (signal == "STOP")
            {
                Kill(silentPid, "CONT");
            }
        }

        if (signal == "STOP")
        {
            // Woken up, the worker finds its claim released and runs nothing.
            await Task.Delay(TimeSpan.FromSeconds(1));
            var woken = await Pool.GetAsync(Profile, silent.InstanceId);
            Assert.Equal((WarmInstanceState.Idle, 2), (woken!.State, woken.Jobs));
            Assert.True(IsAlive(silentPid));
        }
    }

    [Fact]
    public async Task A_runs_exit_code_is_published_before_its_worker_turns_idle()
    {
        var seen = new List<WarmInstance>();
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var instance in await Pool.ListAsync(Profile).ToListAsync())
                {
                    if (instance.State == WarmInstanceState.Idle && seen.All(s => s.RunId != instance.RunId))
                    {
                        // Checked at once: an idle document whose run has no exit code yet breaks the order.
                        var exit = await _storage.StatAsync(new RunPaths(instance.RunId!).ExitCode);
                        Assert.True(exit is not null, $"instance idle after run {instance.RunId}, whose exit code is not published");
                        Assert.True(exit.Updated <= instance.StateSince, $"exit code of {instance.RunId} stored at {exit.Updated:O}, after the instance turned idle at {instance.StateSince:O}");
                        seen.Add(instance);
                    }
                }

                await Task.Delay(2);
            }
        });

        for (var i = 0; i < 3; i++)
        {
            var gate = _temp.Combine("gate-order-" + i.ToString(CultureInfo.InvariantCulture));
            await File.WriteAllTextAsync(gate, "open");
            Assert.True((await RunAsync(gate)).Succeeded);
        }

        await WaitUntilAsync(async () => (await Pool.ListAsync(Profile).ToListAsync()) is [{ State: WarmInstanceState.Idle } last] && seen.Any(s => s.RunId == last.RunId));
        await stop.CancelAsync();
        await watcher;

        // One worker ran all six stages, and every idle state observed came after its run's exit code.
        var only = Assert.Single(await Pool.ListAsync(Profile).ToListAsync());
        Assert.Equal(6, only.Jobs);
        Assert.NotEmpty(seen);
    }

    private Task<PipelineRunResult> RunAsync(string gate, TimeSpan? holdTimeout = null) =>
        _runner.RunAsync(WarmLimitsCommands.Graph(holdTimeout), new Dictionary<string, object?> { ["seed"] = Interlocked.Increment(ref _seed), ["gate"] = gate });

    /// <summary>The pool's only instance, once it is idle (a worker publishes a run's exit code just before it turns idle).</summary>
    private async Task<WarmInstance> IdleWorkerAsync()
    {
        WarmInstance? idle = null;
        await WaitUntilAsync(async () => (idle = (await Pool.ListAsync(Profile).ToListAsync()).SingleOrDefault()) is { State: WarmInstanceState.Idle });
        return idle!;
    }

    /// <summary>The pid and backend run id of the process holding the Hold stage behind <paramref name="gate"/>.</summary>
    private static async Task<(int Pid, string RunId)> HoldingAsync(string gate)
    {
        string? found = null;
        await WaitUntilAsync(() => (found = HoldingFiles(gate).FirstOrDefault()) is not null);
        var file = found!;
        var pid = int.Parse(file[(file.LastIndexOf('.') + 1)..], CultureInfo.InvariantCulture);
        var runId = string.Empty;
        await WaitUntilAsync(() => (runId = File.ReadAllText(file).Trim()).Length > 0);
        return (pid, runId);
    }

    private static string[] HoldingFiles(string gate) => Directory.GetFiles(Path.GetDirectoryName(gate)!, Path.GetFileName(gate) + ".holding.*");

    private static int[] HoldingProcesses(string gate) =>
        [.. HoldingFiles(gate).Select(f => int.Parse(f[(f.LastIndexOf('.') + 1)..], CultureInfo.InvariantCulture)).Where(IsAlive)];

    private static string DirectoryOf(WarmInstance instance) =>
        instance.Location is { } location && location.IndexOf(":/", StringComparison.Ordinal) is var colon and >= 0 ? location[(colon + 1)..] : throw new InvalidOperationException($"no location: {instance}");

    /// <summary>The worker process (the command its supervisor started) of a worker's run directory.</summary>
    private static int WorkerPid(string runDirectory) => int.Parse(File.ReadAllText(Path.Combine(runDirectory, "command.pid")).Trim(), CultureInfo.InvariantCulture);

    private static int? SupervisorAlive(string runDirectory)
    {
        var pid = int.Parse(File.ReadAllText(Path.Combine(runDirectory, "supervisor.pid")).Trim(), CultureInfo.InvariantCulture);
        return IsAlive(pid) && File.ReadAllText($"/proc/{pid}/cmdline").Contains(runDirectory, StringComparison.Ordinal) ? pid : null;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            // A zombie has exited: only its parent has yet to collect it.
            return !File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void Kill(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold in time.");
            await Task.Delay(20);
        }
    }
}
