using System.Globalization;
using Stagecraft.Telemetry;

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
        activity?.SetTag(StagecraftTags.PipelineName, _graph.Name);
        activity?.SetTag(StagecraftTags.RunId, runId);
        var time = _runner.TimeProvider;
        var started = time.GetTimestamp();

        // Bad input is refused before anything is written.
        if (_prior is null)
        {
            _run.Inputs.Prepare(inputs!);
        }

        // Backend runs that dead coordinators left behind are stopped before this run launches its own.
        await _runner.ReapAtStartAsync(cancellationToken).ConfigureAwait(false);

        // Before anything relies on content already in the store (inputs stored by an earlier run, cached outputs).
        var pruneCheck = await PruneEpochCheck.BeginAsync(_runner.Storage, time, cancellationToken).ConfigureAwait(false);
        using var runCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var signals = _runner.HandleTerminationSignals ? new TerminationSignalHandler(runCancellation) : null;

        // Claim the run id (or take the resumed run over) first: a run id in use is refused before this run writes
        // anything, so the other run's stored inputs and record stay as they were.
        await _run.Recorder.StartAsync(
            _prior?.Generation ?? 0,
            ex =>
            {
                _conflict = ex;
                runCancellation.Cancel();
            },
            cancellationToken).ConfigureAwait(false);

        var scheduler = new StageScheduler(_run);
        string? setupFailure = null;
        try
        {
            if (_prior is null)
            {
                await _run.Inputs.StoreAsync(runCancellation.Token).ConfigureAwait(false);
            }
            else
            {
                await _run.Inputs.LoadAsync(_prior.Record, runCancellation.Token).ConfigureAwait(false);
            }

            _run.Recorder.MarkDirty();
            PipelineLog.RunStarted(_runner.Logger, _graph.Name, runId, _run.Attempt, _graph.Stages.Length);
            _run.Events.Emit(_run.Events.RunEvent(PipelineEventKind.RunStarted));
            var stageRunner = new ScheduledStageRunner(_run, scheduler);
            await scheduler.RunAsync(stageRunner.RunAsync, runCancellation).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !runCancellation.IsCancellationRequested)
        {
            // The run claimed its record; it must not stay "running" because its inputs could not be stored or read.
            setupFailure = $"{(_prior is null ? "storing" : "reading")} its inputs failed: {ex.GetType().Name}: {ex.Message}";
            await _run.Recorder.CompleteAsync(PipelineRunStatus.Failed, setupFailure, time.GetUtcNow()).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException)
        {
            // Cancelled before the stages were scheduled: recorded as cancelled below, with every stage not started.
        }

        var cancelledBy = signals?.Signal is { } signal ? $"cancelled by {signal}"
            : cancellationToken.IsCancellationRequested ? "cancelled by the caller"
            : null;
        var (status, reason) = cancelledBy is not null ? (PipelineRunStatus.Cancelled, cancelledBy)
            : _conflict is not null ? (PipelineRunStatus.Failed, "another process changed this run's record")
            : scheduler.Outcome();
        var elapsed = time.GetElapsedTime(started);
        activity?.SetTag(StagecraftTags.RunStatus, status.ToString());
        PipelineLog.RunFinished(_runner.Logger, _graph.Name, runId, status, elapsed);
        _run.Events.Emit(_run.Events.RunEvent(PipelineEventKind.RunFinished) with { Duration = elapsed, RunStatus = status, Reason = reason });

        // The final record is written even when the run was cancelled: it is what says the run was cancelled, with
        // the stages that finished recorded as finished.
        await _run.Recorder.CompleteAsync(status, reason, time.GetUtcNow()).ConfigureAwait(false);
        var result = new PipelineRunResult(runId, _graph.Name, scheduler.Results);
        if (await pruneCheck.PruneOverlappedAsync(CancellationToken.None).ConfigureAwait(false))
        {
            await RunReferenceRepair.RepairAsync(_runner, _graph, _run.Inputs, result, CancellationToken.None).ConfigureAwait(false);
        }

        if (cancelledBy is not null)
        {
            if (signals?.Signal is not null)
            {
                // The user pressed Ctrl-C (or the process was asked to stop): tell them how to continue.
                await Console.Error.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Pipeline run '{runId}' was {cancelledBy}; its finished stages are kept. Resume it with: await runner.ResumeAsync({_graph.Name}.Graph, \"{runId}\");")).ConfigureAwait(false);
            }

            throw new PipelineRunCancelledException(runId, _graph.Name, cancelledBy, cancellationToken);
        }

        return result;
    }
}
