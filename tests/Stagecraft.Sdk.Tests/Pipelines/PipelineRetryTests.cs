using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using static Stagecraft.Sdk.Tests.Pipelines.Support.Graphs;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>
/// A stage on a run backend whose attempt is preempted or lost runs again on a new backend run (up to its Retries,
/// default one retry); a stage that fails by its own exit code is retried only when its Retries says so. Every attempt
/// is recorded with its backend run, and watchers see placed / starting / running / retrying / done.
/// </summary>
public sealed class PipelineRetryTests : IDisposable
{
    private readonly RunnerFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task A_preempted_attempt_is_retried_on_a_new_backend_run_and_the_record_lists_both_attempts()
    {
        var (runner, backend, progress, graph) = Create(Pipeline("Spot", Square()));
        backend.Script(ScriptedOutcome.Preempt);

        var result = await runner.RunAsync(graph, new Dictionary<string, object?> { ["x"] = 7 });

        Assert.True(result.Succeeded, result.Stages["Square"].Reason);
        Assert.Equal(49, result.GetOutput<int>("Square"));
        var launched = backend.Launched.ToArray();
        Assert.Equal(2, launched.Length);
        Assert.NotEqual(launched[0].RunId, launched[1].RunId);

        var stage = (await runner.GetRunRecordAsync(result.RunId)).GetStage("Square")!;
        Assert.Equal(StageStatus.Succeeded, stage.Status);
        Assert.Collection(
            stage.Attempts,
            first =>
            {
                Assert.Equal((1, launched[0].RunId, "scripted"), (first.Number, first.BackendRunId, first.Backend));
                Assert.Equal((RunState.Failed, RunInterruption.Preempted, 143, true), (first.State, first.Interruption, first.ExitCode, first.Retried));
                Assert.StartsWith("preempted: ", first.Reason, StringComparison.Ordinal);
                Assert.NotNull(first.FinishedAt);
            },
            second =>
            {
                Assert.Equal((2, launched[1].RunId), (second.Number, second.BackendRunId));
                Assert.Equal((RunState.Succeeded, RunInterruption.None, 0, false), (second.State, second.Interruption, second.ExitCode, second.Retried));
                Assert.Null(second.Reason);
            });
        Assert.Equal(launched[1].RunId, stage.BackendRunId);

        // Watching: placed / starting (/ running, once the backend reports it) for each attempt, the retry with its
        // reason between them, then done. The preempted attempt was never seen running: its first status was its end.
        Assert.Equal(
            [
                (PipelineEventKind.StageStarted, null),
                (PipelineEventKind.StagePlaced, 1), (PipelineEventKind.StageStarting, 1),
                (PipelineEventKind.StageRetrying, 2),
                (PipelineEventKind.StagePlaced, 2), (PipelineEventKind.StageStarting, 2), (PipelineEventKind.StageRunning, 2),
                (PipelineEventKind.StageSucceeded, (int?)null),
            ],
            progress.Events.Where(e => e.Stage == "Square").Select(e => (e.Kind, e.Attempt)));
        var retrying = progress.Events.Single(e => e.Kind == PipelineEventKind.StageRetrying);
        Assert.Equal(launched[0].RunId, retrying.BackendRunId);
        Assert.Contains("preempted", retrying.Reason, StringComparison.Ordinal);
        var placed = progress.Events.First(e => e.Kind == PipelineEventKind.StagePlaced);
        Assert.Equal(("scripted", "cpu-spot"), (placed.Backend, placed.Profile));
    }

    [Fact]
    public async Task A_lost_machine_is_retried_too_but_by_default_only_once()
    {
        var (runner, backend, _, graph) = Create(Pipeline("Spot", Square()));
        backend.Script(ScriptedOutcome.Lose, ScriptedOutcome.Preempt);

        var result = await runner.RunAsync(graph, new Dictionary<string, object?> { ["x"] = 3 });

        Assert.False(result.Succeeded);
        var error = Assert.IsType<StageWorkerException>(result.Stages["Square"].Error);
        Assert.Contains("(attempt 2)", error.Message, StringComparison.Ordinal);
        var attempts = (await runner.GetRunRecordAsync(result.RunId)).GetStage("Square")!.Attempts;
        Assert.Equal([(RunState.Lost, RunInterruption.MachineLost, true), (RunState.Failed, RunInterruption.Preempted, false)], attempts.Select(a => (a.State, a.Interruption, a.Retried)));
        Assert.Equal(2, backend.Launched.Count);
    }

    [Fact]
    public async Task Retries_sets_how_many_preemptions_a_stage_survives()
    {
        var (runner, backend, _, graph) = Create(Pipeline("Spot", Square(retries: 3)));
        backend.Script(ScriptedOutcome.Preempt, ScriptedOutcome.Lose, ScriptedOutcome.Preempt);

        var result = await runner.RunAsync(graph, new Dictionary<string, object?> { ["x"] = 4 });

        Assert.True(result.Succeeded, result.Stages["Square"].Reason);
        var attempts = (await runner.GetRunRecordAsync(result.RunId)).GetStage("Square")!.Attempts;
        Assert.Equal([1, 2, 3, 4], attempts.Select(a => a.Number));
        Assert.Equal(4, attempts.Select(a => a.BackendRunId).Distinct().Count());
    }

    [Fact]
    public async Task A_stage_failing_by_its_own_exit_code_is_not_retried_by_default_and_its_worker_stack_trace_is_recorded()
    {
        var (runner, backend, _, graph) = Create(Pipeline("Spot", Square(failAbove: 10)));

        var result = await runner.RunAsync(graph, new Dictionary<string, object?> { ["x"] = 11 });

        Assert.False(result.Succeeded);
        Assert.Single(backend.Launched);
        var stage = (await runner.GetRunRecordAsync(result.RunId)).GetStage("Square")!;
        var attempt = Assert.Single(stage.Attempts);
        Assert.Equal((RunState.Failed, RunInterruption.None, 1, false), (attempt.State, attempt.Interruption, attempt.ExitCode, attempt.Retried));
        Assert.Equal(typeof(ArgumentOutOfRangeException).FullName, attempt.ErrorType);
        Assert.Contains("11 is too large", attempt.Error, StringComparison.Ordinal);
        Assert.Contains(" at ", attempt.Error, StringComparison.Ordinal);
        Assert.Contains("11 is too large", stage.Error, StringComparison.Ordinal);
        Assert.Contains(" at ", stage.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stage_failing_by_its_own_exit_code_is_retried_when_its_Retries_says_so()
    {
        var (runner, backend, _, graph) = Create(Pipeline("Spot", Square(failAbove: 10, retries: 2)));

        var result = await runner.RunAsync(graph, new Dictionary<string, object?> { ["x"] = 11 });

        Assert.False(result.Succeeded);
        Assert.Equal(3, backend.Launched.Count);
        var attempts = (await runner.GetRunRecordAsync(result.RunId)).GetStage("Square")!.Attempts;
        Assert.Equal([true, true, false], attempts.Select(a => a.Retried));
    }

    [Fact]
    public async Task A_run_terminated_by_someone_else_is_not_retried()
    {
        var (runner, backend, _, graph) = Create(Pipeline("Spot", Square()));
        backend.Script(ScriptedOutcome.TerminatedElsewhere);

        var result = await runner.RunAsync(graph, new Dictionary<string, object?> { ["x"] = 2 });

        Assert.False(result.Succeeded);
        Assert.Single(backend.Launched);
    }

    [Theory]
    [InlineData(null, RunState.Failed, RunInterruption.Preempted, 1, true)]
    [InlineData(null, RunState.Failed, RunInterruption.Preempted, 2, false)]
    [InlineData(null, RunState.Lost, RunInterruption.None, 1, true)]
    [InlineData(null, RunState.Failed, RunInterruption.None, 1, false)]
    [InlineData(0, RunState.Failed, RunInterruption.Preempted, 1, false)]
    [InlineData(2, RunState.Failed, RunInterruption.None, 2, true)]
    [InlineData(2, RunState.Failed, RunInterruption.None, 3, false)]
    [InlineData(2, RunState.Terminated, RunInterruption.None, 1, false)]
    [InlineData(2, RunState.Succeeded, RunInterruption.None, 1, true)]
    public void The_retry_rule(int? retries, RunState state, RunInterruption interruption, int attempt, bool retried)
    {
        var stage = Square() is var s && retries is { } r ? new StageDescriptor(s.Name, s.Version, s.CodeHash, s.OutputType, s.Parameters, s.Invoker) { Retries = r } : Square();
        Assert.Equal(retried, BackendStageExecutor.ShouldRetry(stage, attempt, new RunStatus(state, 0) { Interruption = interruption }));
    }

    private (PipelineRunner Runner, ScriptedRunBackend Backend, RecordingProgress Progress, PipelineGraph Graph) Create(PipelineGraph graph)
    {
        var worker = _fixture.CreateRunner(o => o with { WorkDirectory = _fixture.Temp.Combine("worker") });
        var backend = new ScriptedRunBackend(worker, graph);
        var progress = new RecordingProgress();
        var runner = _fixture.CreateRunner(o => o with
        {
            Placement = new Dictionary<string, IRunBackend> { ["cpu-spot"] = backend },
            WorkerCommand = new PipelineWorkerCommand("/bin/true"),
            Progress = progress,
        });
        return (runner, backend, progress, graph);
    }

    private static StageDescriptor Square(int failAbove = int.MaxValue, int? retries = null) =>
        new("Square", null, "code-square", typeof(int), [Input<int>("x")], args =>
        {
            var x = (int)args[0]!;
            return x > failAbove ? throw new ArgumentOutOfRangeException(nameof(args), $"{x} is too large") : new ValueTask<object?>(x * x);
        })
        {
            Profile = "cpu-spot",
            Retries = retries,
        };
}
