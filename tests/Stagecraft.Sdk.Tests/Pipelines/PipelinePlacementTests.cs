using Stagecraft.Local.Runs;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using Stagecraft.Storage;
using Stagecraft.Testing;
using Stagecraft.TestChild;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>Each stage runs where its profile says: one backend per profile, the rest in process.</summary>
public sealed class PipelinePlacementTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("placement");
    private IObjectStorage _storage = null!;
    private LocalRunBackend _gpu = null!;
    private LocalRunBackend _cpu = null!;

    public Task InitializeAsync()
    {
        _storage = TestStorage.Create(_temp.Combine("store"));
        _gpu = new LocalRunBackend(_storage, new LocalRunBackendOptions { StateDirectory = _temp.Combine("gpu-backend"), StatusPollInterval = TimeSpan.FromMilliseconds(100) });
        _cpu = new LocalRunBackend(_storage, new LocalRunBackendOptions { StateDirectory = _temp.Combine("cpu-backend"), StatusPollInterval = TimeSpan.FromMilliseconds(100) });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _gpu.DisposeAsync();
        await _cpu.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_gpu_stage_and_a_cpu_stage_of_one_run_run_on_their_two_profiles_and_the_rest_in_process()
    {
        var graph = WithProfiles(new Dictionary<string, string> { ["Double"] = "h100-spot", ["Write"] = "cpu-small" }, timeout: TimeSpan.FromMinutes(30));
        var runner = Runner(new Dictionary<string, IRunBackend> { ["h100-spot"] = _gpu, ["cpu-small"] = _cpu });

        var result = await runner.RunAsync(graph, new Dictionary<string, object?> { ["seed"] = 21 });

        Assert.True(result.Succeeded, string.Join("; ", result.Stages.Values.Select(s => $"{s.Stage}: {s.Reason}")));
        var record = await runner.GetRunRecordAsync(result.RunId);
        var doubled = record.GetStage("Double")!;
        var written = record.GetStage("Write")!;
        Assert.Equal(PipelineRunner.InProcessBackend, record.GetStage("Read")!.Backend);
        Assert.Null(record.GetStage("Read")!.BackendRunId);

        // Each backend got exactly its stage, with the profile, timeout, labels and environment in the spec.
        var gpuRun = await ReadRunRecordAsync(doubled.BackendRunId!);
        var cpuRun = await ReadRunRecordAsync(written.BackendRunId!);
        Assert.Contains("\"resourceProfile\":\"h100-spot\"", gpuRun, StringComparison.Ordinal);
        Assert.Contains("\"resourceProfile\":\"cpu-small\"", cpuRun, StringComparison.Ordinal);
        Assert.Contains("\"timeoutSeconds\":1800", gpuRun, StringComparison.Ordinal);
        Assert.Contains("\"stagecraft-stage\":\"double\"", gpuRun, StringComparison.Ordinal);
        Assert.Contains("\"stagecraft-pipeline\":\"backenddemo\"", cpuRun, StringComparison.Ordinal);
        Assert.Contains($"\"stagecraft-pipeline-run\":\"{result.RunId}\"", cpuRun, StringComparison.Ordinal);
        Assert.Contains("STAGECRAFT_STAGE", cpuRun, StringComparison.Ordinal);
        Assert.True(Directory.Exists(_temp.Combine("gpu-backend")) && Directory.EnumerateDirectories(_temp.Combine("gpu-backend")).Count() == 1);
        Assert.True(Directory.Exists(_temp.Combine("cpu-backend")) && Directory.EnumerateDirectories(_temp.Combine("cpu-backend")).Count() == 1);
    }

    [Fact]
    public async Task An_unknown_profile_fails_before_anything_runs_naming_the_stage_the_profile_and_the_known_ones()
    {
        var graph = WithProfiles(new Dictionary<string, string> { ["Check"] = "a100" });
        var runner = Runner(new Dictionary<string, IRunBackend> { ["h100-spot"] = _gpu, ["cpu-small"] = _cpu });

        var ex = await Assert.ThrowsAsync<StagePlacementException>(() => runner.RunAsync(graph, new Dictionary<string, object?> { ["seed"] = 21 }));

        Assert.Equal("Check", ex.Stage);
        Assert.Equal("a100", ex.Profile);
        Assert.Equal(["cpu-small", "h100-spot"], ex.KnownProfiles);
        Assert.Contains("'Check'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cpu-small, h100-spot", ex.Message, StringComparison.Ordinal);
        await foreach (var _ in _storage.ListAsync(string.Empty))
        {
            Assert.Fail("Something was stored before the placement was checked.");
        }

        Assert.False(Directory.Exists(_temp.Combine("gpu-backend")) && Directory.EnumerateDirectories(_temp.Combine("gpu-backend")).Any());
    }

    private PipelineRunner Runner(IReadOnlyDictionary<string, IRunBackend> placement) => new(new PipelineRunnerOptions
    {
        Storage = _storage,
        WorkDirectory = _temp.Combine("work"),
        Placement = placement,
        WorkerCommand = new PipelineWorkerCommand("dotnet", [TestChildProcess.ChildDllPath, "pipeline-worker", _temp.Combine("store"), _temp.Combine("worker")]),
        MaxParallelism = 2,
    });

    private async Task<string> ReadRunRecordAsync(string backendRunId)
    {
        await using var read = await _storage.GetAsync(new RunPaths(backendRunId).RunRecord);
        using var reader = new StreamReader(read.Content);
        return await reader.ReadToEndAsync();
    }

    /// <summary>The worker test graph with profiles on some stages (the worker's own copy has none: placement is the coordinator's business).</summary>
    private static PipelineGraph WithProfiles(IReadOnlyDictionary<string, string> profiles, TimeSpan? timeout = null)
    {
        var source = PipelineWorkerCommands.Graph;
        var stages = source.Stages.Select(s => profiles.TryGetValue(s.Name, out var profile)
            ? new StageDescriptor(s.Name, s.Version, s.CodeHash, s.OutputType, s.Parameters, s.Invoker) { Profile = profile, Timeout = timeout }
            : s);
        return new PipelineGraph(source.Name, [.. stages], source.Inputs);
    }
}
