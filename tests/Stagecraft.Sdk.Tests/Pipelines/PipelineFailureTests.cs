using Stagecraft.Pipelines;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using static Stagecraft.Sdk.Tests.Pipelines.Support.Graphs;

namespace Stagecraft.Sdk.Tests.Pipelines;

public sealed class PipelineFailureTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly RunnerFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task A_failure_skips_its_downstream_and_independent_branches_keep_running()
    {
        var graph = Pipeline(
            "Branches",
            Stage("Load", _ => 1),
            Stage("Broken", a => (int)a[0]! > 0 ? throw new InvalidDataException("bad row 7") : 0, From<int>("Load")),
            Stage("AfterBroken", a => (int)a[0]!, From<int>("Broken")),
            Stage("AfterAfter", a => (int)a[0]!, From<int>("AfterBroken")),
            Stage("Healthy", a => (int)a[0]! + 1, From<int>("Load")),
            Stage("AfterHealthy", a => (int)a[0]! + 1, From<int>("Healthy")));
        var runner = _fixture.CreateRunner();

        var result = await runner.RunAsync(graph, NoInputs);

        Assert.False(result.Succeeded);
        var broken = result.Stages["Broken"];
        Assert.Equal(StageStatus.Failed, broken.Status);
        Assert.IsType<InvalidDataException>(broken.Error);
        Assert.Contains("bad row 7", broken.Reason, StringComparison.Ordinal);
        Assert.Equal(StageStatus.Skipped, result.Stages["AfterBroken"].Status);
        Assert.Equal("upstream stage 'Broken' failed", result.Stages["AfterBroken"].Reason);
        Assert.Equal(StageStatus.Skipped, result.Stages["AfterAfter"].Status);
        Assert.Equal(3, result.GetOutput<int>("AfterHealthy"));

        var record = await runner.GetRunRecordAsync(result.RunId);
        Assert.Equal(PipelineRunStatus.Failed, record.Status);
        Assert.Contains("stage 'Broken' failed", record.Reason, StringComparison.Ordinal);
        Assert.Contains("bad row 7", record.Reason, StringComparison.Ordinal);
        Assert.Equal(typeof(InvalidDataException).FullName, record.GetStage("Broken")!.ErrorType);
        Assert.Equal("upstream stage 'Broken' failed", record.GetStage("AfterAfter")!.Reason);
        var ex = Assert.Throws<InvalidOperationException>(() => result.GetOutput<int>("AfterBroken"));
        Assert.Contains("Skipped", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailFast_cancels_running_stages_and_starts_no_more()
    {
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var laterRan = false;
        var graph = Pipeline(
            "FailFast",
            AsyncStage("Slow", async a =>
            {
                slowStarted.SetResult();
                await Task.Delay(Timeout, (CancellationToken)a[0]!);
                return "finished";
            }, Token()),
            AsyncStage<string>("Broken", async _ =>
            {
                await slowStarted.Task.WaitAsync(Timeout);
                throw new InvalidOperationException("boom");
            }),
            Stage("Later", _ => { laterRan = true; return 0; }, From<string>("Slow")));
        var runner = _fixture.CreateRunner(o => o with { FailFast = true, MaxParallelism = 2 });

        var result = await runner.RunAsync(graph, NoInputs);

        Assert.Equal(StageStatus.Failed, result.Stages["Broken"].Status);
        Assert.Equal(StageStatus.Cancelled, result.Stages["Slow"].Status);
        Assert.Equal("cancelled: FailFast stopped the run after stage 'Broken' failed", result.Stages["Slow"].Reason);
        Assert.Equal(StageStatus.Skipped, result.Stages["Later"].Status);
        Assert.False(laterRan);
        Assert.Equal(PipelineRunStatus.Failed, (await runner.GetRunRecordAsync(result.RunId)).Status);
    }

    [Fact]
    public async Task FailFast_skips_stages_that_had_not_started()
    {
        var graph = Pipeline(
            "FailFastQueue",
            Stage<int>("Broken", _ => throw new InvalidOperationException("boom")),
            Stage("Queued1", _ => 1),
            Stage("Queued2", _ => 2));
        var runner = _fixture.CreateRunner(o => o with { FailFast = true, MaxParallelism = 1 });

        var result = await runner.RunAsync(graph, NoInputs);

        Assert.Equal(StageStatus.Skipped, result.Stages["Queued1"].Status);
        Assert.Equal("not started: FailFast stopped the run after stage 'Broken' failed", result.Stages["Queued2"].Reason);
    }

    [Fact]
    public async Task Caller_cancellation_stops_the_run_records_it_and_throws()
    {
        using var cts = new CancellationTokenSource();
        var graph = Pipeline(
            "Cancel",
            AsyncStage("Wait", async a =>
            {
                await cts.CancelAsync();
                await Task.Delay(Timeout, (CancellationToken)a[0]!);
                return 1;
            }, Token()),
            Stage("After", a => (int)a[0]!, From<int>("Wait")));
        var runner = _fixture.CreateRunner();
        var progress = new RecordingProgress();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(graph, NoInputs, new PipelineRunOptions { RunId = "cancelled-run", Progress = progress }, cts.Token));

        var record = await runner.GetRunRecordAsync("cancelled-run");
        Assert.Equal(PipelineRunStatus.Cancelled, record.Status);
        Assert.Equal(StageStatus.Cancelled, record.GetStage("Wait")!.Status);
        Assert.Equal(StageStatus.Skipped, record.GetStage("After")!.Status);
        Assert.Equal(PipelineEventKind.RunFinished, progress.Events[^1].Kind);
    }

    [Fact]
    public async Task Missing_unknown_and_mistyped_inputs_are_reported_together()
    {
        var graph = Pipeline(
            "Inputs",
            Stage("Use", a => $"{a[0]}{a[1]}", Input<int>("epochs"), Input<string>("name")));
        var runner = _fixture.CreateRunner();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => runner.RunAsync(graph, new Dictionary<string, object?> { ["epochs"] = "ten", ["epoch"] = 3 }));

        Assert.Contains("input 'epochs' must be a Int32 but is a String", ex.Message, StringComparison.Ordinal);
        Assert.Contains("input 'name' (String) is missing", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'epoch' is not an input of the pipeline", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stage_returning_the_wrong_type_or_a_null_signal_fails_with_a_clear_reason()
    {
        var graph = Pipeline(
            "Types",
            new StageDescriptor("Liar", null, "c", typeof(int), [], _ => new ValueTask<object?>("not an int")),
            new StageDescriptor("NullSignal", null, "c", typeof(Stagecraft.Signals.FileSignal), [], _ => new ValueTask<object?>((object?)null)));
        var result = await _fixture.CreateRunner().RunAsync(graph, NoInputs);

        Assert.Contains("returned a System.String, but its declared output type is System.Int32", result.Stages["Liar"].Reason, StringComparison.Ordinal);
        Assert.Equal("NullSignal", Assert.IsType<StageOutputNullException>(result.Stages["NullSignal"].Error).Stage);
    }

    [Fact]
    public async Task A_storage_failure_while_storing_an_output_fails_the_stage_and_leaves_no_cache_entry()
    {
        using var temp = new Stagecraft.Testing.TempDirectory("flaky");
        var storage = new InterceptingStorage(TestStorage.Create(temp.Combine("store")), key =>
        {
            if (key.EndsWith("/outputs/Flaky/value.json", StringComparison.Ordinal))
            {
                throw new IOException("disk full");
            }
        });
        using var fixture = new RunnerFixture(storage);
        var graph = Pipeline("Flaky", Stage("Flaky", _ => 1));

        var result = await fixture.CreateRunner().RunAsync(graph, NoInputs);

        Assert.Equal(StageStatus.Failed, result.Stages["Flaky"].Status);
        Assert.StartsWith("storing its output failed: IOException: disk full", result.Stages["Flaky"].Reason, StringComparison.Ordinal);
        await foreach (var entry in storage.ListAsync(PipelinePaths.RootPrefix))
        {
            Assert.Fail($"a cache entry was written for a stage whose output was not stored: {entry.Object?.Key}");
        }
    }
}
