using System.Buffers.Binary;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using Stagecraft.Snapshots;
using Stagecraft.Storage;
using static Stagecraft.Sdk.Tests.Pipelines.Support.Graphs;

namespace Stagecraft.Sdk.Tests.Pipelines.Backends;

/// <summary>
/// A worker whose stage task cannot be read — corrupted in storage, or written in a newer format — reports the
/// snapshot's typed error as its result: the stage fails, once, with a message naming the stage, the task and the problem.
/// </summary>
public sealed class PipelineWorkerTaskTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(1);
    private readonly RunnerFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task The_task_object_is_a_snapshot_in_the_runs_inputs()
    {
        var (runner, backend, graph) = Create();
        var tasks = new List<StageTask>();
        backend.OnLaunch = async spec =>
        {
            var key = PipelinePaths.StageTask(new RunPaths(spec.RunId));
            Assert.Equal($"runs/{spec.RunId}/inputs/stage-task.scsn", key);
            Assert.Equal(StageTaskSnapshot.ContentType, (await _fixture.Storage.StatAsync(key))!.ContentType);
            tasks.Add(await StageTaskSnapshot.ReadAsync(_fixture.Storage, new RunPaths(spec.RunId)));
        };

        var result = await runner.RunAsync(graph, new Dictionary<string, object?> { ["x"] = 7 }).WaitAsync(Bound);

        Assert.True(result.Succeeded, result.Stages["Square"].Reason);
        Assert.Equal(49, result.GetOutput<int>("Square"));
        var task = Assert.Single(tasks);
        Assert.Equal(("Spot", result.RunId, "Square", "code-square"), (task.Pipeline, task.PipelineRunId, task.Stage, task.CodeHash));
        Assert.Equal("x", Assert.Single(task.Arguments).Parameter);
    }

    [Fact]
    public async Task A_task_corrupted_in_storage_fails_its_stage_with_a_snapshot_format_error()
    {
        var (runner, backend, graph) = Create();
        backend.OnLaunch = spec => TamperAsync(spec.RunId, bytes => bytes[11] ^= 0x5A); // the header's payload checksum

        var result = await runner.RunAsync(graph, new Dictionary<string, object?> { ["x"] = 7 }).WaitAsync(Bound);

        var stage = result.Stages["Square"];
        Assert.Equal(StageStatus.Failed, stage.Status);
        var error = Assert.IsType<StageWorkerException>(stage.Error);
        Assert.Equal(typeof(SnapshotFormatException).FullName, error.RemoteErrorType);
        Assert.Equal(1, error.ExitCode);
        Assert.Contains("of stage 'Square'", stage.Reason, StringComparison.Ordinal);
        Assert.Contains($"The stage task 'runs/{error.BackendRunId}/inputs/stage-task.scsn' cannot be read: Corrupt snapshot: payload checksum", stage.Reason, StringComparison.Ordinal);
        Assert.Single(backend.Launched);
    }

    [Fact]
    public async Task A_task_in_a_newer_format_version_fails_its_stage_with_the_version_error()
    {
        var (runner, backend, graph) = Create();
        backend.OnLaunch = spec => TamperAsync(spec.RunId, bytes => BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 3));

        var result = await runner.RunAsync(graph, new Dictionary<string, object?> { ["x"] = 7 }).WaitAsync(Bound);

        var stage = result.Stages["Square"];
        Assert.Equal(StageStatus.Failed, stage.Status);
        var error = Assert.IsType<StageWorkerException>(stage.Error);
        Assert.Equal(typeof(SnapshotVersionNotSupportedException).FullName, error.RemoteErrorType);
        Assert.Contains("of stage 'Square'", stage.Reason, StringComparison.Ordinal);
        Assert.Contains("Snapshot format version 3 is newer than this reader supports", stage.Reason, StringComparison.Ordinal);
        var attempt = Assert.Single((await runner.GetRunRecordAsync(result.RunId)).GetStage("Square")!.Attempts);
        Assert.Equal(typeof(SnapshotVersionNotSupportedException).FullName, attempt.ErrorType);
    }

    /// <summary>Rewrites a launched run's stored task, as a fault in storage would.</summary>
    private async Task TamperAsync(string runId, Action<byte[]> change)
    {
        var key = PipelinePaths.StageTask(new RunPaths(runId));
        byte[] bytes;
        var read = await _fixture.Storage.GetAsync(key);
        await using (read)
        {
            using var buffer = new MemoryStream();
            await read.Content.CopyToAsync(buffer);
            bytes = buffer.ToArray();
        }

        change(bytes);
        await _fixture.Storage.PutAsync(key, new MemoryStream(bytes));
    }

    private (PipelineRunner Runner, ScriptedRunBackend Backend, PipelineGraph Graph) Create()
    {
        var graph = Pipeline("Spot", Square());
        var worker = _fixture.CreateRunner(o => o with { WorkDirectory = _fixture.Temp.Combine("worker") });
        var backend = new ScriptedRunBackend(worker, graph);
        var runner = _fixture.CreateRunner(o => o with
        {
            Placement = new Dictionary<string, IRunBackend> { ["cpu"] = backend },
            WorkerCommand = new PipelineWorkerCommand("/bin/true"),
        });
        return (runner, backend, graph);
    }

    private static StageDescriptor Square() =>
        new("Square", null, "code-square", typeof(int), [Input<int>("x")], args => new ValueTask<object?>((int)args[0]! * (int)args[0]!))
        {
            Profile = "cpu",
        };
}
