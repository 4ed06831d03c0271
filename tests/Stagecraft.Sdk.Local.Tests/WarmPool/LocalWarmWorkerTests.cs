using System.Globalization;
using Stagecraft.Local.Runs;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.TestChild;
using Stagecraft.Testing;
using Stagecraft.WarmPool;

namespace Stagecraft.Sdk.Local.Tests.WarmPool;

/// <summary>Pipeline stages on <see cref="LocalRunBackend"/> with warm worker processes: real worker processes, real pool documents.</summary>
public sealed class LocalWarmWorkerTests : IDisposable
{
    private const string Profile = "local";
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(3);
    private readonly TempDirectory _temp = new("local-warm");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task All_stages_run_in_one_warm_worker_with_the_cold_outputs_and_each_stage_logs_in_its_own_run()
    {
        var (cold, _, _) = await RunPipelineAsync("cold", warm: false);
        var (warm, storage, backend) = await RunPipelineAsync("warm", warm: true);
        await using var _ = backend;

        Assert.True(warm.Succeeded, string.Join("; ", warm.Stages.Values.Select(s => $"{s.Stage}: {s.Reason}")));
        Assert.Equal(cold.GetOutput<int>("Double"), warm.GetOutput<int>("Double"));
        Assert.Equal(cold.GetOutput<bool>("Check"), warm.GetOutput<bool>("Check"));
        Assert.Equal(WithoutPid(cold.GetOutput<string>("Read")), WithoutPid(warm.GetOutput<string>("Read")));

        // One instance ran all four stages (its document counts the jobs it finished), and it is not this process.
        var pool = backend.WarmPool!;
        var instance = await WaitForAsync(async () => await pool.ListAsync(Profile).ToListAsync() is [{ Jobs: 4 } only] ? only : null);
        Assert.Single(await pool.ListAsync(Profile).ToListAsync());

        // Each stage's logs are in its own backend run: only the Write stage's run carries its warning.
        var record = await new PipelineRunner(new PipelineRunnerOptions { Storage = storage, WorkDirectory = _temp.Combine("reader") }).GetRunRecordAsync(warm.RunId);
        Assert.Equal(4, record.Stages.Length);
        foreach (var stage in record.Stages)
        {
            var handle = await backend.FindRunAsync(stage.BackendRunId!);
            Assert.NotNull(handle);
            Assert.Equal(RunState.Succeeded, (await backend.GetStatusAsync(handle)).State);
            var stdout = string.Join('\n', await backend.StreamLogsAsync(handle, LogStream.Stdout).ToListAsync());
            Assert.Equal(stage.Stage == "Write", stdout.Contains("writing 42", StringComparison.Ordinal));
        }

        // After its idle timeout the worker retires its document and exits: its supervisor records the process's end.
        var workerDirectory = instance.Location![(instance.Location!.IndexOf(":/", StringComparison.Ordinal) + 1)..];
        var exited = await WaitForAsync(() => Task.FromResult(File.Exists(Path.Combine(workerDirectory, "exit_code")) ? "yes" : null), TimeSpan.FromSeconds(60));
        Assert.Equal("yes", exited);
        var retired = (await pool.GetAsync(Profile, instance.InstanceId))!;
        Assert.Equal(WarmInstanceState.Deleting, retired.State);

        // Its process is gone, so the reaper (with the local host) removes the document and the index entry.
        Assert.Equal(WarmMachineStatus.Gone, await backend.WarmInstanceHost.ProbeAsync(retired));
        var reaped = await new WarmPoolReaper(pool, [backend.WarmInstanceHost]).ReapAsync();
        Assert.Contains(reaped.Actions, a => a.InstanceId == instance.InstanceId && a.Kind == WarmPoolActionKind.RemovedDocument);
        Assert.Empty(await pool.ListAsync(Profile).ToListAsync());
    }

    [Fact]
    public async Task Disabled_pool_writes_no_pool_document()
    {
        var (result, storage, backend) = await RunPipelineAsync("disabled", warm: false);
        await using var _ = backend;

        Assert.True(result.Succeeded);
        Assert.Null(backend.WarmPool);
        Assert.Empty(await storage.ListAsync(WarmPoolPaths.DefaultRoot).ToListAsync());
    }

    private async Task<(PipelineRunResult Result, IObjectStorage Storage, LocalRunBackend Backend)> RunPipelineAsync(string name, bool warm)
    {
        var storageRoot = _temp.Combine(name, "store");
        var storage = new LocalObjectStorage(storageRoot);
        var backend = new LocalRunBackend(storage, new LocalRunBackendOptions
        {
            StateDirectory = _temp.Combine(name, "backend"),
            StatusPollInterval = TimeSpan.FromMilliseconds(100),
            LogShipInterval = TimeSpan.FromMilliseconds(200),
            WarmPool = warm
                ? new WarmPoolOptions
                {
                    Profiles = new Dictionary<string, WarmPoolProfileOptions>(StringComparer.Ordinal) { [Profile] = new() { IdleTimeout = IdleTimeout, AckTimeout = TimeSpan.FromSeconds(10), MaxInstances = 2 } },
                    AckPollInterval = TimeSpan.FromMilliseconds(20),
                }
                : null,
            WarmPoolPollInterval = TimeSpan.FromMilliseconds(100),
        });
        var runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = storage,
            WorkDirectory = _temp.Combine(name, "work"),
            Backend = backend,
            WorkerCommand = new PipelineWorkerCommand("dotnet", [TestChildProcess.ChildDllPath, "pipeline-worker", storageRoot, _temp.Combine(name, "worker")]),
            MaxParallelism = 1,
        });
        var result = await runner.RunAsync(PipelineWorkerCommands.Graph, new Dictionary<string, object?> { ["seed"] = 21 });
        return (result, storage, backend);
    }

    private static string WithoutPid(string text) => text[..text.IndexOf(" from pid ", StringComparison.Ordinal)];

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan? timeout = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold in time.");
            await Task.Delay(50);
        }
    }
}
