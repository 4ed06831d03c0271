using Stagecraft.Pipelines;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using static Stagecraft.Sdk.Tests.Pipelines.Support.Graphs;

namespace Stagecraft.Sdk.Tests.Pipelines;

public sealed class PipelineResumeTests : IDisposable
{
    private readonly RunnerFixture _fixture = new();
    private readonly InvocationCounter _calls = new();
    private volatile bool _trainBroken = true;

    public void Dispose() => _fixture.Dispose();

    /// <summary>Load → Train → Evaluate, plus Load → Profile and an unrelated Docs stage. Train fails while broken.</summary>
    private PipelineGraph Experiment() => Pipeline(
        "Experiment",
        Stage("Load", a => { _calls.Hit("Load"); return (int)a[0]! * 10; }, Input<int>("size")),
        Stage("Train", a =>
        {
            _calls.Hit("Train");
            return _trainBroken ? throw new InvalidOperationException("GPU fell off") : (int)a[0]! + 1;
        }, From<int>("Load")),
        Stage("Evaluate", a => { _calls.Hit("Evaluate"); return $"score {(int)a[0]!}"; }, From<int>("Train")),
        Stage("Profile", a => { _calls.Hit("Profile"); return (int)a[0]! * 2; }, From<int>("Load")),
        Stage("Docs", _ => { _calls.Hit("Docs"); return "docs"; }));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Resume_reruns_only_the_failed_stage_and_its_downstream(bool cacheEnabled)
    {
        var runner = _fixture.CreateRunner(o => o with { CacheEnabled = cacheEnabled });
        var first = await runner.RunAsync(Experiment(), new Dictionary<string, object?> { ["size"] = 4 });
        Assert.False(first.Succeeded);
        Assert.Equal(StageStatus.Failed, first.Stages["Train"].Status);
        Assert.Equal(StageStatus.Skipped, first.Stages["Evaluate"].Status);
        Assert.Equal(PipelineRunStatus.Failed, (await runner.GetRunRecordAsync(first.RunId)).Status);

        _trainBroken = false;
        _calls.Reset();
        var resumed = await runner.ResumeAsync(Experiment(), first.RunId);

        Assert.True(resumed.Succeeded);
        Assert.Equal(first.RunId, resumed.RunId);
        Assert.Equal(1, _calls["Train"]);
        Assert.Equal(1, _calls["Evaluate"]);
        Assert.Equal(2, _calls.Total);
        Assert.Equal("score 41", resumed.GetOutput<string>("Evaluate"));
        Assert.Equal(StageStatus.Cached, resumed.Stages["Load"].Status);
        Assert.Equal(first.RunId, resumed.Stages["Load"].CachedFromRunId);

        var record = await runner.GetRunRecordAsync(first.RunId);
        Assert.Equal(PipelineRunStatus.Succeeded, record.Status);
        Assert.Equal(2, record.Attempt);
        Assert.Equal(2, record.GetStage("Train")!.Attempt);
        Assert.Equal(4, record.Inputs.Single().Json!.Value.GetInt32());
    }

    [Fact]
    public async Task Resume_reruns_a_completed_stage_whose_code_changed()
    {
        var runner = _fixture.CreateRunner(o => o with { CacheEnabled = false });
        var first = await runner.RunAsync(Experiment(), new Dictionary<string, object?> { ["size"] = 1 });
        _trainBroken = false;
        _calls.Reset();

        var graph = Experiment();
        var edited = Pipeline(
            "Experiment",
            [.. graph.Stages.Select(s => s.Name == "Profile" ? new StageDescriptor(s.Name, s.Version, "profile-v2", s.OutputType, s.Parameters, s.Invoker) : s)]);
        var resumed = await runner.ResumeAsync(edited, first.RunId);

        Assert.True(resumed.Succeeded);
        Assert.Equal(1, _calls["Profile"]);
        Assert.Equal(0, _calls["Load"]);
        Assert.Equal(0, _calls["Docs"]);
    }

    [Fact]
    public async Task Resuming_a_run_that_does_not_exist_names_it()
    {
        var runner = _fixture.CreateRunner();
        var ex = await Assert.ThrowsAsync<PipelineRunNotFoundException>(() => runner.ResumeAsync(Experiment(), "never-ran"));
        Assert.Equal("never-ran", ex.RunId);
        Assert.Contains("never-ran", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resuming_with_another_pipeline_is_refused()
    {
        var runner = _fixture.CreateRunner();
        var first = await runner.RunAsync(Experiment(), new Dictionary<string, object?> { ["size"] = 1 });
        var other = Pipeline("Other", Stage("Docs", _ => "x"));
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => runner.ResumeAsync(other, first.RunId));
        Assert.Contains("Experiment", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reusing_a_run_id_is_a_conflict()
    {
        var runner = _fixture.CreateRunner();
        var inputs = new Dictionary<string, object?> { ["size"] = 1 };
        await runner.RunAsync(Experiment(), inputs, new PipelineRunOptions { RunId = "fixed-id" });
        var ex = await Assert.ThrowsAsync<PipelineRunConflictException>(() => runner.RunAsync(Experiment(), inputs, new PipelineRunOptions { RunId = "fixed-id" }));
        Assert.Contains("fixed-id", ex.Message, StringComparison.Ordinal);
    }
}
