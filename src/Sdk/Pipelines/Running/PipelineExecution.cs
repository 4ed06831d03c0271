namespace Stagecraft.Pipelines;

/// <summary>
/// One run (or resume) of a pipeline: prepares its inputs, claims its record, lets the <see cref="StageScheduler"/>
/// take every stage to an outcome through a <see cref="ScheduledStageRunner"/>, and writes the final record.
/// </summary>
internal sealed class PipelineExecution
{
    private readonly PipelineRunner _runner;
    private readonly PipelineGraph _graph;
    private readonly PipelineRunStore.StoredRunRecord? _prior;
    private readonly PipelineRunContext _run;
    private Exception? _conflict;

    public PipelineExecution(PipelineRunner runner, PipelineGraph graph, string runId, PipelineRunStore.StoredRunRecord? prior, IProgress<PipelineEvent>? runProgress)
    {
        _runner = runner;
        _graph = graph;
        _prior = prior;
        var attempt = (prior?.Record.Attempt ?? 0) + 1;
        var inputs = new RunInputs(runner, graph, runId);
        _run = new PipelineRunContext
        {
            Runner = runner,
            Graph = graph,
            RunId = runId,
            Attempt = attempt,
            Prior = prior,
            Inputs = inputs,
            Recorder = new RunRecorder(runner, graph, runId, attempt, prior?.Record.StartedAt ?? runner.TimeProvider.GetUtcNow(), inputs),
            Events = new PipelineEventSink(graph.Name, runId, runner.TimeProvider, runner.Logger, runner.Progress, runProgress),
        };
    }

    public async Task<PipelineRunResult> RunAsync(IReadOnlyDictionary<string, object?>? inputs, CancellationToken cancellationToken)
    {
        var runId = _run.RunId;
        using var activity = PipelineTelemetry.Source.StartActivity("pipeline.run");
        activity?.SetTag("stagecraft.pipeline", _graph.Name);
        activity?.SetTag("stagecraft.run_id", runId);
        var time = _runner.TimeProvider;
        var started = time.GetTimestamp();

        // Before anything relies on content already in the store (inputs stored by an earlier run, cached outputs).
        var pruneCheck = await PruneEpochCheck.BeginAsync(_runner.Storage, time, cancellationToken).ConfigureAwait(false);
        if (_prior is null)
        {
            RunInputs.Validate(_graph, inputs!);
            await _run.Inputs.StoreAsync(inputs!, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _run.Inputs.LoadAsync(_prior.Record, cancellationToken).ConfigureAwait(false);
        }

        using var runCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await _run.Recorder.StartAsync(
            _prior?.Generation ?? 0,
            ex =>
            {
                _conflict = ex;
                runCancellation.Cancel();
            },
            cancellationToken).ConfigureAwait(false);
        PipelineLog.RunStarted(_runner.Logger, _graph.Name, runId, _run.Attempt, _graph.Stages.Length);
        _run.Events.Emit(_run.Events.RunEvent(PipelineEventKind.RunStarted));

        var scheduler = new StageScheduler(_run);
        var stageRunner = new ScheduledStageRunner(_run, scheduler);
        await scheduler.RunAsync(stageRunner.RunAsync, runCancellation).ConfigureAwait(false);

        var (status, reason) = cancellationToken.IsCancellationRequested ? (PipelineRunStatus.Cancelled, "cancelled by the caller")
            : _conflict is not null ? (PipelineRunStatus.Failed, "another process changed this run's record")
            : scheduler.Outcome();
        var elapsed = time.GetElapsedTime(started);
        activity?.SetTag("stagecraft.status", status.ToString());
        PipelineLog.RunFinished(_runner.Logger, _graph.Name, runId, status, elapsed);
        _run.Events.Emit(_run.Events.RunEvent(PipelineEventKind.RunFinished) with { Duration = elapsed, RunStatus = status, Reason = reason });

        // The final record is written even when the caller cancelled: it is what says the run was cancelled.
        await _run.Recorder.CompleteAsync(status, reason, time.GetUtcNow()).ConfigureAwait(false);
        var result = new PipelineRunResult(runId, _graph.Name, scheduler.Results);
        if (await pruneCheck.PruneOverlappedAsync(CancellationToken.None).ConfigureAwait(false))
        {
            await RunReferenceRepair.RepairAsync(_runner, _graph, _run.Inputs, result, CancellationToken.None).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }
}
