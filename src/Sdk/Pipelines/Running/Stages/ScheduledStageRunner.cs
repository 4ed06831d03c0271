using System.Collections.Immutable;
using Stagecraft.Telemetry;

namespace Stagecraft.Pipelines;

/// <summary>
/// Takes one scheduled stage of a run to its outcome: binds its arguments and fingerprint, reuses a trustworthy
/// stored output when there is one, otherwise executes it (in process through the <see cref="StageExecutor"/>, or
/// on the run backend) and writes its cache entry last.
/// </summary>
internal sealed class ScheduledStageRunner(PipelineRunContext run, StageScheduler scheduler)
{
    private PipelineRunner Runner => run.Runner;

    /// <summary>Runs stage <paramref name="index"/> to an outcome; never throws.</summary>
    public async Task<StageOutcome> RunAsync(int index, CancellationToken token)
    {
        var stage = run.Graph.Stages[index];
        var time = Runner.TimeProvider;
        var started = time.GetTimestamp();
        var startedAt = time.GetUtcNow();
        string? fingerprint = null;
        var inputs = ImmutableArray<StageInputRecord>.Empty;
        var attempts = new List<StageAttemptRecord>();
        var phase = "binding its inputs";
        try
        {
            var arguments = new object?[stage.Parameters.Length];
            inputs = BindArguments(stage, arguments);
            fingerprint = StageFingerprint.Compute(run.Graph.Name, stage, inputs);
            var workDirectory = Path.Combine(Runner.WorkDirectory, run.RunId, "stages", stage.Name);

            phase = "reading its stored output";
            if (await TryReuseAsync(stage, fingerprint, workDirectory, token).ConfigureAwait(false) is { } reused)
            {
                return new StageOutcome(StageStatus.Cached, fingerprint, inputs, startedAt, time.GetElapsedTime(started))
                {
                    Output = reused.Value,
                    Stored = reused.Stored,
                    CachedFromRunId = reused.SourceRunId,
                    Reason = reused.SourceRunId == run.RunId ? "completed in an earlier attempt of this run" : $"cached output of run '{reused.SourceRunId}'",
                };
            }

            token.ThrowIfCancellationRequested();
            PipelineLog.StageStarted(Runner.Logger, stage.Name);
            run.Events.Emit(run.Events.StageEvent(PipelineEventKind.StageStarted, stage.Name));

            phase = "running";
            ExecutedStage executed;
            string? backendRunId = null;
            int? exitCode = null;
            using (var activity = PipelineTelemetry.Source.StartActivity("pipeline.stage"))
            {
                activity?.SetTag(StagecraftTags.StageName, stage.Name);
                activity?.SetTag(StagecraftTags.StageFingerprint, fingerprint);
                if (Runner.PlaceStage(run.Graph, stage) is { } backend)
                {
                    // While an attempt runs, the record shows it (backend, backend run id, earlier attempts), so
                    // `runs show` and `runs logs -f` can find a running stage's backend run.
                    void Launched(StageAttemptRecord current) => run.Recorder.SetStage(index, run.Recorder.PendingRecord(stage) with
                    {
                        Reason = $"running: attempt {current.Number} on {current.Backend}",
                        Fingerprint = fingerprint,
                        Inputs = inputs,
                        StartedAt = startedAt,
                        Host = Runner.HostName,
                        Backend = current.Backend,
                        BackendRunId = current.BackendRunId,
                        Attempts = [.. attempts, current],
                    });
                    (var stored, exitCode, backendRunId) = await backend.RunAsync(CreateTask(stage, fingerprint), stage, index, run.Attempt, run.Events, attempts, Launched, token).ConfigureAwait(false);
                    activity?.SetTag(StagecraftTags.BackendRunId, backendRunId);
                    phase = "reading its output";
                    if (stored.Format != StoredValue.JsonFormat)
                    {
                        StageExecutor.ResetDirectory(workDirectory);
                    }

                    var value = await Runner.Values.LoadAsync(stored, stage.OutputType, workDirectory, token).ConfigureAwait(false);
                    StageExecutor.CheckOutput(stage, value);
                    executed = new ExecutedStage(value, stored);
                }
                else
                {
                    executed = await Runner.Executor.ExecuteAsync(
                        new StageInvocation
                        {
                            Pipeline = run.Graph.Name,
                            RunId = run.RunId,
                            Stage = stage,
                            Arguments = arguments,
                            WorkDirectory = workDirectory,
                            Progress = run.Events.StageProgress(stage.Name),
                            OnPhase = p => phase = PhaseText(p),
                        },
                        token).ConfigureAwait(false);
                }
            }

            if (Runner.CacheEnabled)
            {
                phase = "caching its output";

                // The completion marker goes last: until it exists, nothing trusts the objects stored above.
                await Runner.Cache.PutAsync(
                    new StageCacheEntry
                    {
                        Pipeline = run.Graph.Name,
                        Stage = stage.Name,
                        Fingerprint = fingerprint,
                        CodeHash = stage.CodeHash,
                        Version = stage.Version,
                        RunId = run.RunId,
                        CreatedAt = time.GetUtcNow(),
                        Output = executed.Stored,
                    },
                    token).ConfigureAwait(false);
            }

            return new StageOutcome(StageStatus.Succeeded, fingerprint, inputs, startedAt, time.GetElapsedTime(started))
            {
                Output = executed.Value,
                Stored = executed.Stored,
                BackendRunId = backendRunId,
                ExitCode = exitCode,
                Attempts = [.. attempts],
            };
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return new StageOutcome(StageStatus.Cancelled, fingerprint, inputs, startedAt, time.GetElapsedTime(started))
            {
                BackendRunId = attempts.LastOrDefault()?.BackendRunId,
                Attempts = [.. attempts],
            };
        }
#pragma warning disable CA1031 // A stage's exception is its outcome, recorded and reported; it must not tear down the run.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var reason = phase == "running" ? $"{ex.GetType().Name}: {ex.Message}" : $"{phase} failed: {ex.GetType().Name}: {ex.Message}";
            return new StageOutcome(StageStatus.Failed, fingerprint, inputs, startedAt, time.GetElapsedTime(started))
            {
                Error = ex,
                Reason = reason,
                BackendRunId = (ex as StageWorkerException)?.BackendRunId ?? attempts.LastOrDefault()?.BackendRunId,
                ExitCode = (ex as StageWorkerException)?.ExitCode,
                Attempts = [.. attempts],
            };
        }
    }

    private static string PhaseText(StageExecutionPhase phase) => phase switch
    {
        StageExecutionPhase.Running => "running",
        StageExecutionPhase.CheckingOutput => "checking its output",
        StageExecutionPhase.StoringOutput => "storing its output",
        _ => phase.ToString(),
    };

    /// <summary>
    /// Finds a trustworthy stored output for the fingerprint: first this run's own earlier attempt (resume), then
    /// the cross-run cache. A candidate whose objects changed or cannot be read is dropped, never half-used.
    /// </summary>
    private async Task<ReusedOutput?> TryReuseAsync(StageDescriptor stage, string fingerprint, string workDirectory, CancellationToken token)
    {
        if (run.Prior?.Record.GetStage(stage.Name) is { Status: StageStatus.Succeeded or StageStatus.Cached, Output: { } priorOutput } priorStage
            && priorStage.Fingerprint == fingerprint)
        {
            var source = priorStage.CachedFromRunId ?? run.RunId;
            if (await TryLoadAsync(stage, priorOutput, source, workDirectory, token).ConfigureAwait(false) is { } value)
            {
                return new ReusedOutput(value.Value, priorOutput, source);
            }
        }

        if (!Runner.CacheEnabled)
        {
            return null;
        }

        var cached = await Runner.Cache.TryGetAsync(run.Graph.Name, stage.Name, fingerprint, token).ConfigureAwait(false);
        if (cached is null)
        {
            return null;
        }

        if (await TryLoadAsync(stage, cached.Entry.Output, cached.Entry.RunId, workDirectory, token).ConfigureAwait(false) is { } loaded)
        {
            return new ReusedOutput(loaded.Value, cached.Entry.Output, cached.Entry.RunId);
        }

        await Runner.Cache.RemoveAsync(cached, token).ConfigureAwait(false);
        return null;
    }

    private async Task<LoadedValue?> TryLoadAsync(StageDescriptor stage, StoredValue stored, string sourceRunId, string workDirectory, CancellationToken token)
    {
        try
        {
            if (!await Runner.Values.IsIntactAsync(stored, token).ConfigureAwait(false))
            {
                PipelineLog.StoredOutputUnusable(Runner.Logger, stage.Name, sourceRunId, null);
                return null;
            }

            if (stored.Format != StoredValue.JsonFormat)
            {
                StageExecutor.ResetDirectory(workDirectory);
            }

            var value = await Runner.Values.LoadAsync(stored, stage.OutputType, workDirectory, token).ConfigureAwait(false);
            StageExecutor.CheckOutput(stage, value);
            return new LoadedValue(value);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Any failure to read a stored output means "recompute", which is always safe.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            PipelineLog.StoredOutputUnusable(Runner.Logger, stage.Name, sourceRunId, ex);
            return null;
        }
    }

    /// <summary>Fills the upstream-output and pipeline-input slots of <paramref name="arguments"/> and returns what fed the fingerprint.</summary>
    private ImmutableArray<StageInputRecord> BindArguments(StageDescriptor stage, object?[] arguments)
    {
        var inputs = ImmutableArray.CreateBuilder<StageInputRecord>();
        for (var p = 0; p < stage.Parameters.Length; p++)
        {
            var parameter = stage.Parameters[p];
            switch (parameter.Kind)
            {
                case StageParameterKind.Upstream:
                    var upstream = scheduler.Upstream(parameter.Source!);
                    arguments[p] = upstream.Output;
                    inputs.Add(new StageInputRecord { Parameter = parameter.Name, Kind = parameter.Kind, Source = parameter.Source!, Fingerprint = upstream.Stored!.Fingerprint });
                    break;
                case StageParameterKind.PipelineInput:
                    var input = run.Inputs.Record(parameter.Source!);
                    arguments[p] = run.Inputs.Value(parameter.Source!);
                    inputs.Add(new StageInputRecord { Parameter = parameter.Name, Kind = parameter.Kind, Source = parameter.Source!, Fingerprint = input.Value.Fingerprint, Json = input.Json });
                    break;
                case StageParameterKind.CancellationToken or StageParameterKind.Context:
                    break; // Filled by the executor.
                default:
                    throw new InvalidOperationException($"Stage '{stage.Name}' parameter '{parameter.Name}' has unknown kind {parameter.Kind}.");
            }
        }

        return inputs.ToImmutable();
    }

    /// <summary>The task a backend worker needs: the stored value of every upstream output and pipeline input the stage reads.</summary>
    private StageTask CreateTask(StageDescriptor stage, string fingerprint) => new()
    {
        Pipeline = run.Graph.Name,
        PipelineRunId = run.RunId,
        Stage = stage.Name,
        CodeHash = stage.CodeHash,
        Fingerprint = fingerprint,
        Arguments = [.. stage.Parameters
            .Where(p => p.Kind is StageParameterKind.Upstream or StageParameterKind.PipelineInput)
            .Select(p => new StageTaskArgument(
                p.Name,
                p.Kind == StageParameterKind.Upstream ? scheduler.Upstream(p.Source!).Stored! : run.Inputs.Record(p.Source!).Value))],
    };

    private sealed record ReusedOutput(object? Value, StoredValue Stored, string SourceRunId);

    private sealed record LoadedValue(object? Value);
}
