using Stagecraft.Pipelines;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using static Stagecraft.Sdk.Tests.Pipelines.Support.Graphs;

namespace Stagecraft.Sdk.Tests.Pipelines;

public sealed class PipelineEventTests : IDisposable
{
    private readonly RunnerFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private static PipelineGraph Graph() => Pipeline(
        "Events",
        Stage("A", a =>
        {
            var ctx = (StageContext)a[0]!;
            ctx.Progress!.Report(0.5);
            ctx.Progress.Report(1.5);
            return 1;
        }, Context()),
        Stage("B", a => (int)a[0]! + 1, From<int>("A")),
        Stage("C", a => (int)a[0]! + 1, From<int>("A")),
        Stage("D", a => (int)a[0]! + (int)a[1]!, From<int>("B"), From<int>("C")));

    [Fact]
    public async Task Events_arrive_in_causal_order_from_run_start_to_run_finish()
    {
        var progress = new RecordingProgress();
        var runner = _fixture.CreateRunner(o => o with { Progress = progress });

        var result = await runner.RunAsync(Graph(), NoInputs);

        var events = progress.Events;
        Assert.Equal(PipelineEventKind.RunStarted, events[0].Kind);
        Assert.Equal(PipelineEventKind.RunFinished, events[^1].Kind);
        Assert.Equal(PipelineRunStatus.Succeeded, events[^1].RunStatus);
        Assert.All(events, e => Assert.Equal(result.RunId, e.RunId));
        int IndexOf(PipelineEventKind kind, string stage) => events.ToList().FindIndex(e => e.Kind == kind && e.Stage == stage);
        foreach (var stage in new[] { "A", "B", "C", "D" })
        {
            Assert.True(IndexOf(PipelineEventKind.StageStarted, stage) < IndexOf(PipelineEventKind.StageSucceeded, stage), stage);
        }

        Assert.True(IndexOf(PipelineEventKind.StageSucceeded, "A") < IndexOf(PipelineEventKind.StageStarted, "B"));
        Assert.True(IndexOf(PipelineEventKind.StageSucceeded, "B") < IndexOf(PipelineEventKind.StageStarted, "D"));
        Assert.True(IndexOf(PipelineEventKind.StageSucceeded, "C") < IndexOf(PipelineEventKind.StageStarted, "D"));
        Assert.Equal([0.5, 1.0], events.Where(e => e.Kind == PipelineEventKind.StageProgress).Select(e => e.Progress!.Value));
        Assert.True(IndexOf(PipelineEventKind.StageStarted, "A") < IndexOf(PipelineEventKind.StageProgress, "A"));
        Assert.True(IndexOf(PipelineEventKind.StageProgress, "A") < IndexOf(PipelineEventKind.StageSucceeded, "A"));
    }

    [Fact]
    public async Task A_cached_run_reports_cached_stages_without_starting_them()
    {
        var runner = _fixture.CreateRunner();
        var first = await runner.RunAsync(Graph(), NoInputs);
        var progress = new RecordingProgress();

        await runner.RunAsync(Graph(), NoInputs, new PipelineRunOptions { Progress = progress });

        Assert.Equal(
            [PipelineEventKind.RunStarted, PipelineEventKind.StageCached, PipelineEventKind.StageCached, PipelineEventKind.StageCached, PipelineEventKind.StageCached, PipelineEventKind.RunFinished],
            progress.Events.Select(e => e.Kind));
        Assert.All(progress.Events.Where(e => e.Kind == PipelineEventKind.StageCached), e => Assert.Equal(first.RunId, e.CachedFromRunId));
    }

    [Fact]
    public async Task Failure_events_precede_the_skips_they_cause()
    {
        var progress = new RecordingProgress();
        var graph = Pipeline(
            "FailEvents",
            Stage<int>("A", _ => throw new InvalidOperationException("nope")),
            Stage("B", a => (int)a[0]!, From<int>("A")));
        await _fixture.CreateRunner(o => o with { Progress = progress }).RunAsync(graph, NoInputs);

        var kinds = progress.Events.Select(e => (e.Kind, e.Stage)).ToList();
        Assert.Equal(
            [(PipelineEventKind.RunStarted, null), (PipelineEventKind.StageStarted, "A"), (PipelineEventKind.StageFailed, "A"), (PipelineEventKind.StageSkipped, "B"), (PipelineEventKind.RunFinished, null)],
            kinds);
        Assert.IsType<InvalidOperationException>(progress.Events[2].Error);
        Assert.Equal(PipelineRunStatus.Failed, progress.Events[^1].RunStatus);
    }

    [Fact]
    public async Task A_throwing_progress_handler_does_not_fail_the_run()
    {
        var runner = _fixture.CreateRunner(o => o with { Progress = new Progress(_ => throw new InvalidOperationException("display broke")) });
        var result = await runner.RunAsync(Graph(), NoInputs);
        Assert.True(result.Succeeded);
    }

    private sealed class Progress(Action<PipelineEvent> report) : IProgress<PipelineEvent>
    {
        public void Report(PipelineEvent value) => report(value);
    }
}
