using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Stagecraft.Runs;
using Stagecraft.Signals;

namespace Stagecraft.Pipelines;

/// <summary>
/// One run (or resume) of a pipeline. A single coordinator loop owns all scheduling state: it starts ready stages
/// up to the parallelism bound, and applies each stage's outcome (unlocking or skipping downstream stages) as it
/// arrives, so no scheduling state is shared between threads.
/// </summary>
internal sealed class PipelineExecution
{
    private readonly PipelineRunner _runner;
    private readonly PipelineGraph _graph;
    private readonly string _runId;
    private readonly RunPaths _paths;
    private readonly PipelineRunStore.StoredRunRecord? _prior;
    private readonly IProgress<PipelineEvent>? _runProgress;
    private readonly int _attempt;
    private readonly Dictionary<string, int> _indexByName;
    private readonly int[][] _downstream;
    private readonly StageState[] _states;
    private readonly Lock _eventLock = new();
    private readonly Lock _recordLock = new();
    private readonly Dictionary<string, object?> _inputValues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PipelineInputRecord> _inputRecords = new(StringComparer.Ordinal);
    private DateTimeOffset _startedAt;
    private string? _failFastCause;
    private Exception? _conflict;
    private RunRecordWriter? _writer;

    public PipelineExecution(PipelineRunner runner, PipelineGraph graph, string runId, PipelineRunStore.StoredRunRecord? prior, IProgress<PipelineEvent>? runProgress)
    {
        _runner = runner;
        _graph = graph;
        _runId = runId;
        _paths = new RunPaths(runId);
        _prior = prior;
        _runProgress = runProgress;
        _attempt = (prior?.Record.Attempt ?? 0) + 1;

        var stages = graph.Stages;
        _indexByName = new Dictionary<string, int>(stages.Length, StringComparer.Ordinal);
        for (var i = 0; i < stages.Length; i++)
        {
            _indexByName[stages[i].Name] = i;
        }

        var downstream = new List<int>[stages.Length];
        _states = new StageState[stages.Length];
        for (var i = 0; i < stages.Length; i++)
        {
            downstream[i] = [];
            var upstream = stages[i].Upstream.ToArray();
            _states[i] = new StageState(PendingRecord(stages[i])) { Remaining = upstream.Length };
            foreach (var up in upstream)
            {
                downstream[_indexByName[up]].Add(i);
            }
        }

        _downstream = [.. downstream.Select(d => d.ToArray())];
    }

    public async Task<PipelineRunResult> RunAsync(IReadOnlyDictionary<string, object?>? inputs, CancellationToken cancellationToken)
    {
        using var activity = PipelineTelemetry.Source.StartActivity("pipeline.run");
        activity?.SetTag("stagecraft.pipeline", _graph.Name);
        activity?.SetTag("stagecraft.run_id", _runId);
        var time = _runner.TimeProvider;
        var started = time.GetTimestamp();
        _startedAt = time.GetUtcNow();

        if (_prior is null)
        {
            ValidateInputs(inputs!);
            await StoreInputsAsync(inputs!, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await LoadInputsAsync(cancellationToken).ConfigureAwait(false);
        }

        long generation;
        try
        {
            generation = await _runner.Records.WriteAsync(Snapshot(PipelineRunStatus.Running, null, null), _prior?.Generation ?? 0, cancellationToken).ConfigureAwait(false);
        }
        catch (Storage.PreconditionFailedException ex)
        {
            throw new PipelineRunConflictException(
                _runId,
                _prior is null
                    ? $"Run id '{_runId}' is already used by another pipeline run; choose another id, or resume that run."
                    : $"Run '{_runId}' was changed by another process since it was read for resuming (is it being resumed twice?).",
                ex);
        }

        using var runCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _writer = new RunRecordWriter(
            _runner.Records,
            generation,
            () => Snapshot(PipelineRunStatus.Running, null, null),
            _runner.RecordFlushInterval,
            time,
            _runner.Logger,
            ex =>
            {
                _conflict = ex;
                runCancellation.Cancel();
            });
        _writer.Start();
        PipelineLog.RunStarted(_runner.Logger, _graph.Name, _runId, _attempt, _graph.Stages.Length);
        Emit(new PipelineEvent { Kind = PipelineEventKind.RunStarted, RunId = _runId, Pipeline = _graph.Name, Timestamp = time.GetUtcNow() });

        await ScheduleAsync(runCancellation).ConfigureAwait(false);

        var (status, reason) = Outcome(cancellationToken);
        var elapsed = time.GetElapsedTime(started);
        var final = Snapshot(status, reason, time.GetUtcNow());
        activity?.SetTag("stagecraft.status", status.ToString());
        PipelineLog.RunFinished(_runner.Logger, _graph.Name, _runId, status, elapsed);
        Emit(new PipelineEvent { Kind = PipelineEventKind.RunFinished, RunId = _runId, Pipeline = _graph.Name, Timestamp = time.GetUtcNow(), Duration = elapsed, RunStatus = status, Reason = reason });

        // The final record is written even when the caller cancelled: it is what says the run was cancelled.
        await _writer.CompleteAsync(final, CancellationToken.None).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        var results = new Dictionary<string, StageRunResult>(_states.Length, StringComparer.Ordinal);
        foreach (var state in _states)
        {
            results[state.Result!.Stage] = state.Result;
        }

        return new PipelineRunResult(_runId, _graph.Name, results);
    }

    private async Task ScheduleAsync(CancellationTokenSource runCancellation)
    {
        var token = runCancellation.Token;
        var ready = new Queue<int>();
        for (var i = 0; i < _states.Length; i++)
        {
            if (_states[i].Remaining == 0)
            {
                ready.Enqueue(i);
            }
        }

        var completions = Channel.CreateUnbounded<(int Index, StageOutcome Outcome)>(new UnboundedChannelOptions { SingleReader = true });
        var running = 0;
        while (true)
        {
            while (running < _runner.MaxParallelism && ready.TryDequeue(out var next))
            {
                if (_states[next].Status != StageStatus.Pending)
                {
                    continue;
                }

                if (token.IsCancellationRequested)
                {
                    Skip(next, NotStartedReason());
                    continue;
                }

                _states[next].Started = true;
                running++;
                var index = next;
                _ = Task.Run(async () => completions.Writer.TryWrite((index, await ExecuteStageAsync(index, token).ConfigureAwait(false))), CancellationToken.None);
            }

            if (running == 0)
            {
                break;
            }

            var (done, outcome) = await completions.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            running--;
            Apply(done, outcome, ready, runCancellation);
        }

        // Stages never reached (the run was cancelled before their upstream finished).
        for (var i = 0; i < _states.Length; i++)
        {
            if (_states[i].Status == StageStatus.Pending)
            {
                Skip(i, NotStartedReason());
            }
        }
    }

    private void Apply(int index, StageOutcome outcome, Queue<int> ready, CancellationTokenSource runCancellation)
    {
        var stage = _graph.Stages[index];
        var state = _states[index];
        var reason = outcome.Status == StageStatus.Cancelled ? CancelledReason() : outcome.Reason;
        state.Status = outcome.Status;
        state.Output = outcome.Output;
        state.OutputFingerprint = outcome.Stored?.Fingerprint;
        state.Stored = outcome.Stored;
        state.Result = new StageRunResult
        {
            Stage = stage.Name,
            Status = outcome.Status,
            Output = outcome.Output,
            Error = outcome.Error,
            Reason = reason,
            Duration = outcome.Duration,
            Fingerprint = outcome.Fingerprint,
            CachedFromRunId = outcome.CachedFromRunId,
        };
        SetRecord(index, new StageRunRecord
        {
            Stage = stage.Name,
            Status = outcome.Status,
            Reason = reason,
            CodeHash = stage.CodeHash,
            Version = stage.Version,
            Fingerprint = outcome.Fingerprint,
            Inputs = outcome.Inputs,
            Output = outcome.Stored,
            CachedFromRunId = outcome.CachedFromRunId,
            StartedAt = outcome.StartedAt,
            FinishedAt = outcome.StartedAt + outcome.Duration,
            Duration = outcome.Duration,
            Host = _runner.HostName,
            Backend = outcome.Status == StageStatus.Cached ? null : _runner.BackendName,
            Attempt = _attempt,
            ErrorType = outcome.Error?.GetType().FullName,
            Error = outcome.Error?.ToString(),
            BackendRunId = outcome.BackendRunId,
            ExitCode = outcome.ExitCode,
        });

        var timestamp = _runner.TimeProvider.GetUtcNow();
        switch (outcome.Status)
        {
            case StageStatus.Succeeded or StageStatus.Cached:
                if (outcome.Status == StageStatus.Cached)
                {
                    PipelineLog.StageCached(_runner.Logger, stage.Name, outcome.CachedFromRunId!, outcome.Fingerprint!);
                }

                Emit(StageEvent(outcome.Status == StageStatus.Cached ? PipelineEventKind.StageCached : PipelineEventKind.StageSucceeded, stage.Name, timestamp) with
                {
                    Duration = outcome.Duration,
                    CachedFromRunId = outcome.CachedFromRunId,
                    Reason = reason,
                });
                foreach (var d in _downstream[index])
                {
                    if (--_states[d].Remaining == 0 && _states[d].Status == StageStatus.Pending)
                    {
                        ready.Enqueue(d);
                    }
                }

                break;

            case StageStatus.Failed:
                PipelineLog.StageFailed(_runner.Logger, stage.Name, reason!, outcome.Error);
                Emit(StageEvent(PipelineEventKind.StageFailed, stage.Name, timestamp) with { Duration = outcome.Duration, Reason = reason, Error = outcome.Error });
                SkipDownstream(index, $"upstream stage '{stage.Name}' failed");
                if (_runner.FailFast && !runCancellation.IsCancellationRequested)
                {
                    _failFastCause = stage.Name;
                    runCancellation.Cancel();
                    for (var i = 0; i < _states.Length; i++)
                    {
                        if (_states[i].Status == StageStatus.Pending && !_states[i].Started)
                        {
                            Skip(i, NotStartedReason());
                        }
                    }
                }

                break;

            case StageStatus.Cancelled:
                Emit(StageEvent(PipelineEventKind.StageCancelled, stage.Name, timestamp) with { Duration = outcome.Duration, Reason = reason });
                SkipDownstream(index, $"upstream stage '{stage.Name}' was cancelled");
                break;

            default:
                throw new UnreachableException($"A stage execution ended with status {outcome.Status}.");
        }
    }

    private void SkipDownstream(int index, string reason)
    {
        foreach (var d in _downstream[index])
        {
            if (_states[d].Status == StageStatus.Pending && !_states[d].Started)
            {
                Skip(d, reason);
                SkipDownstream(d, reason);
            }
        }
    }

    private void Skip(int index, string reason)
    {
        var stage = _graph.Stages[index];
        var state = _states[index];
        state.Status = StageStatus.Skipped;
        state.Result = new StageRunResult { Stage = stage.Name, Status = StageStatus.Skipped, Reason = reason };
        SetRecord(index, PendingRecord(stage) with { Status = StageStatus.Skipped, Reason = reason, Host = _runner.HostName, Attempt = _attempt });
        PipelineLog.StageSkipped(_runner.Logger, stage.Name, reason);
        Emit(StageEvent(PipelineEventKind.StageSkipped, stage.Name, _runner.TimeProvider.GetUtcNow()) with { Reason = reason });
    }

    /// <summary>Runs one stage to an outcome; never throws.</summary>
    private async Task<StageOutcome> ExecuteStageAsync(int index, CancellationToken token)
    {
        var stage = _graph.Stages[index];
        var time = _runner.TimeProvider;
        var started = time.GetTimestamp();
        var startedAt = time.GetUtcNow();
        string? fingerprint = null;
        var inputs = ImmutableArray<StageInputRecord>.Empty;
        var phase = "binding its inputs";
        try
        {
            var arguments = new object?[stage.Parameters.Length];
            inputs = BindArguments(stage, arguments, token);
            fingerprint = StageFingerprint.Compute(_graph.Name, stage, inputs);
            var workDirectory = Path.Combine(_runner.WorkDirectory, _runId, "stages", stage.Name);

            phase = "reading its stored output";
            if (await TryReuseAsync(stage, fingerprint, workDirectory, token).ConfigureAwait(false) is { } reused)
            {
                return new StageOutcome(StageStatus.Cached, fingerprint, inputs, startedAt, time.GetElapsedTime(started))
                {
                    Output = reused.Value,
                    Stored = reused.Stored,
                    CachedFromRunId = reused.SourceRunId,
                    Reason = reused.SourceRunId == _runId ? "completed in an earlier attempt of this run" : $"cached output of run '{reused.SourceRunId}'",
                };
            }

            token.ThrowIfCancellationRequested();
            PipelineLog.StageStarted(_runner.Logger, stage.Name);
            Emit(StageEvent(PipelineEventKind.StageStarted, stage.Name, time.GetUtcNow()));
            for (var p = 0; p < stage.Parameters.Length; p++)
            {
                if (stage.Parameters[p].Kind == StageParameterKind.Context)
                {
                    // Only a stage that can see its work directory (through the context) gets one.
                    ResetDirectory(workDirectory);
                    arguments[p] = new StageContext
                    {
                        RunId = _runId,
                        StageName = stage.Name,
                        WorkDirectory = workDirectory,
                        Logger = _runner.LoggerFactory.CreateLogger($"Stagecraft.Pipelines.Stages.{_graph.Name}.{stage.Name}"),
                        CancellationToken = token,
                        Progress = new StageProgress(this, stage.Name),
                    };
                }
            }

            phase = "running";
            object? value;
            StoredValue stored;
            string? backendRunId = null;
            int? exitCode = null;
            using (var activity = PipelineTelemetry.Source.StartActivity("pipeline.stage"))
            {
                activity?.SetTag("stagecraft.stage", stage.Name);
                activity?.SetTag("stagecraft.fingerprint", fingerprint);
                if (_runner.Backend is { } backend)
                {
                    backendRunId = BackendStageExecutor.NewRunId(_runId, index, _attempt);
                    activity?.SetTag("stagecraft.backend_run_id", backendRunId);
                    (stored, exitCode) = await backend.RunAsync(CreateTask(stage, fingerprint), backendRunId, token).ConfigureAwait(false);
                    phase = "reading its output";
                    if (stored.Format != StoredValue.JsonFormat)
                    {
                        ResetDirectory(workDirectory);
                    }

                    value = await _runner.Values.LoadAsync(stored, stage.OutputType, workDirectory, token).ConfigureAwait(false);
                    CheckOutput(stage, value);
                }
                else
                {
                    value = await stage.Invoker(arguments).ConfigureAwait(false);
                    CheckOutput(stage, value);
                    phase = "storing its output";
                    stored = await _runner.Values.StoreAsync(value, stage.OutputType, token).ConfigureAwait(false);
                }
            }

            if (_runner.CacheEnabled)
            {
                // The completion marker goes last: until it exists, nothing trusts the objects stored above.
                await _runner.Cache.PutAsync(
                    new StageCacheEntry
                    {
                        Pipeline = _graph.Name,
                        Stage = stage.Name,
                        Fingerprint = fingerprint,
                        CodeHash = stage.CodeHash,
                        Version = stage.Version,
                        RunId = _runId,
                        CreatedAt = time.GetUtcNow(),
                        Output = stored,
                    },
                    token).ConfigureAwait(false);
            }

            return new StageOutcome(StageStatus.Succeeded, fingerprint, inputs, startedAt, time.GetElapsedTime(started))
            {
                Output = value,
                Stored = stored,
                BackendRunId = backendRunId,
                ExitCode = exitCode,
            };
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return new StageOutcome(StageStatus.Cancelled, fingerprint, inputs, startedAt, time.GetElapsedTime(started));
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
                BackendRunId = (ex as StageWorkerException)?.BackendRunId,
                ExitCode = (ex as StageWorkerException)?.ExitCode,
            };
        }
    }

    /// <summary>
    /// Finds a trustworthy stored output for the fingerprint: first this run's own earlier attempt (resume), then
    /// the cross-run cache. A candidate whose objects changed or cannot be read is dropped, never half-used.
    /// </summary>
    private async Task<ReusedOutput?> TryReuseAsync(StageDescriptor stage, string fingerprint, string workDirectory, CancellationToken token)
    {
        if (_prior?.Record.GetStage(stage.Name) is { Status: StageStatus.Succeeded or StageStatus.Cached, Output: { } priorOutput } priorStage
            && priorStage.Fingerprint == fingerprint)
        {
            var source = priorStage.CachedFromRunId ?? _runId;
            if (await TryLoadAsync(stage, priorOutput, source, workDirectory, token).ConfigureAwait(false) is { } value)
            {
                return new ReusedOutput(value.Value, priorOutput, source);
            }
        }

        if (!_runner.CacheEnabled)
        {
            return null;
        }

        var cached = await _runner.Cache.TryGetAsync(_graph.Name, stage.Name, fingerprint, token).ConfigureAwait(false);
        if (cached is null)
        {
            return null;
        }

        if (await TryLoadAsync(stage, cached.Entry.Output, cached.Entry.RunId, workDirectory, token).ConfigureAwait(false) is { } loaded)
        {
            return new ReusedOutput(loaded.Value, cached.Entry.Output, cached.Entry.RunId);
        }

        await _runner.Cache.RemoveAsync(cached, token).ConfigureAwait(false);
        return null;
    }

    private async Task<LoadedValue?> TryLoadAsync(StageDescriptor stage, StoredValue stored, string sourceRunId, string workDirectory, CancellationToken token)
    {
        try
        {
            if (!await _runner.Values.IsIntactAsync(stored, token).ConfigureAwait(false))
            {
                PipelineLog.StoredOutputUnusable(_runner.Logger, stage.Name, sourceRunId, null);
                return null;
            }

            if (stored.Format != StoredValue.JsonFormat)
            {
                ResetDirectory(workDirectory);
            }

            var value = await _runner.Values.LoadAsync(stored, stage.OutputType, workDirectory, token).ConfigureAwait(false);
            CheckOutput(stage, value);
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
            PipelineLog.StoredOutputUnusable(_runner.Logger, stage.Name, sourceRunId, ex);
            return null;
        }
    }

    private ImmutableArray<StageInputRecord> BindArguments(StageDescriptor stage, object?[] arguments, CancellationToken token)
    {
        var inputs = ImmutableArray.CreateBuilder<StageInputRecord>();
        for (var p = 0; p < stage.Parameters.Length; p++)
        {
            var parameter = stage.Parameters[p];
            switch (parameter.Kind)
            {
                case StageParameterKind.Upstream:
                    var upstream = _states[_indexByName[parameter.Source!]];
                    arguments[p] = upstream.Output;
                    inputs.Add(new StageInputRecord { Parameter = parameter.Name, Kind = parameter.Kind, Source = parameter.Source!, Fingerprint = upstream.OutputFingerprint! });
                    break;
                case StageParameterKind.PipelineInput:
                    var input = _inputRecords.TryGetValue(parameter.Source!, out var record)
                        ? record
                        : throw new InvalidOperationException($"Stage '{stage.Name}' parameter '{parameter.Name}' reads pipeline input '{parameter.Source}', which pipeline '{_graph.Name}' does not declare.");
                    arguments[p] = _inputValues[parameter.Source!];
                    inputs.Add(new StageInputRecord { Parameter = parameter.Name, Kind = parameter.Kind, Source = parameter.Source!, Fingerprint = input.Value.Fingerprint, Json = input.Json });
                    break;
                case StageParameterKind.CancellationToken:
                    arguments[p] = token;
                    break;
                case StageParameterKind.Context:
                    break; // Filled once the work directory exists.
                default:
                    throw new InvalidOperationException($"Stage '{stage.Name}' parameter '{parameter.Name}' has unknown kind {parameter.Kind}.");
            }
        }

        return inputs.ToImmutable();
    }

    /// <summary>The task a backend worker needs: the stored value of every upstream output and pipeline input the stage reads.</summary>
    private StageTask CreateTask(StageDescriptor stage, string fingerprint) => new()
    {
        Pipeline = _graph.Name,
        PipelineRunId = _runId,
        Stage = stage.Name,
        CodeHash = stage.CodeHash,
        Fingerprint = fingerprint,
        Arguments = [.. stage.Parameters
            .Where(p => p.Kind is StageParameterKind.Upstream or StageParameterKind.PipelineInput)
            .Select(p => new StageTaskArgument(
                p.Name,
                p.Kind == StageParameterKind.Upstream ? _states[_indexByName[p.Source!]].Stored! : _inputRecords[p.Source!].Value))],
    };

    internal static void CheckOutput(StageDescriptor stage, object? value)
    {
        if (value is null)
        {
            if (typeof(Signal).IsAssignableFrom(stage.OutputType))
            {
                throw new InvalidOperationException($"Stage '{stage.Name}' returned null; a {stage.OutputType.Name} output must be a signal.");
            }

            return;
        }

        if (!stage.OutputType.IsInstanceOfType(value))
        {
            throw new InvalidOperationException($"Stage '{stage.Name}' returned a {value.GetType().FullName}, but its declared output type is {stage.OutputType.FullName}.");
        }
    }

    private void ValidateInputs(IReadOnlyDictionary<string, object?> inputs)
    {
        var problems = new List<string>();
        foreach (var input in _graph.Inputs)
        {
            if (!inputs.TryGetValue(input.Name, out var value))
            {
                problems.Add($"input '{input.Name}' ({input.Type.Name}) is missing");
            }
            else if (value is null
                ? input.Type.IsValueType && Nullable.GetUnderlyingType(input.Type) is null
                : !input.Type.IsInstanceOfType(value))
            {
                problems.Add($"input '{input.Name}' must be a {input.Type.Name} but is {(value is null ? "null" : "a " + value.GetType().Name)}");
            }
        }

        foreach (var name in inputs.Keys)
        {
            if (!_graph.Inputs.Any(i => i.Name == name))
            {
                problems.Add($"'{name}' is not an input of the pipeline (inputs: {(_graph.Inputs.IsEmpty ? "none" : string.Join(", ", _graph.Inputs.Select(i => i.Name)))})");
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Pipeline '{_graph.Name}' cannot run: {string.Join("; ", problems)}.", nameof(inputs));
        }
    }

    private async Task StoreInputsAsync(IReadOnlyDictionary<string, object?> inputs, CancellationToken cancellationToken)
    {
        foreach (var input in _graph.Inputs)
        {
            var value = inputs[input.Name];
            StoredValue stored;
            JsonElement? json = null;
            if (value is Signal)
            {
                stored = await _runner.Values.StoreAsync(value, input.Type, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var bytes = _runner.Values.SerializeJson(value, input.Type);
                stored = await _runner.Values.StoreJsonAsync(bytes, input.Type, cancellationToken).ConfigureAwait(false);
                if (bytes.Length <= PipelineRunner.MaxRecordedValueBytes)
                {
                    using var document = JsonDocument.Parse(bytes);
                    json = document.RootElement.Clone();
                }
            }

            _inputValues[input.Name] = value;
            _inputRecords[input.Name] = new PipelineInputRecord { Name = input.Name, Value = stored, Json = json };
        }
    }

    private async Task LoadInputsAsync(CancellationToken cancellationToken)
    {
        foreach (var input in _graph.Inputs)
        {
            var record = _prior!.Record.Inputs.FirstOrDefault(i => i.Name == input.Name)
                ?? throw new InvalidOperationException($"Run '{_runId}' stored no value for input '{input.Name}' of pipeline '{_graph.Name}' (the pipeline gained this input after the run); start a new run instead.");
            var directory = Path.Combine(_runner.WorkDirectory, _runId, "inputs", input.Name);
            ResetDirectory(directory);
            _inputValues[input.Name] = await _runner.Values.LoadAsync(record.Value, input.Type, directory, cancellationToken).ConfigureAwait(false);
            _inputRecords[input.Name] = record;
        }
    }

    private (PipelineRunStatus Status, string? Reason) Outcome(CancellationToken callerToken)
    {
        if (callerToken.IsCancellationRequested)
        {
            return (PipelineRunStatus.Cancelled, "cancelled by the caller");
        }

        if (_conflict is not null)
        {
            return (PipelineRunStatus.Failed, "another process changed this run's record");
        }

        var failed = _states.Where(s => s.Status == StageStatus.Failed).Select(s => s.Result!).ToList();
        if (failed.Count > 0)
        {
            var first = failed[0];
            var others = failed.Count > 1 ? $" (and {failed.Count - 1} more failed stage{(failed.Count > 2 ? "s" : "")})" : "";
            return (PipelineRunStatus.Failed, $"stage '{first.Stage}' failed: {first.Reason}{others}");
        }

        var notDone = _states.FirstOrDefault(s => s.Status is not (StageStatus.Succeeded or StageStatus.Cached));
        return notDone is null ? (PipelineRunStatus.Succeeded, null) : (PipelineRunStatus.Failed, $"stage '{notDone.Result!.Stage}' did not complete: {notDone.Result.Reason}");
    }

    private string NotStartedReason() => _failFastCause is { } cause
        ? $"not started: FailFast stopped the run after stage '{cause}' failed"
        : "not started: the run was cancelled";

    private string CancelledReason() => _failFastCause is { } cause
        ? $"cancelled: FailFast stopped the run after stage '{cause}' failed"
        : "cancelled while running";

    private StageRunRecord PendingRecord(StageDescriptor stage) => new()
    {
        Stage = stage.Name,
        Status = StageStatus.Pending,
        CodeHash = stage.CodeHash,
        Version = stage.Version,
        Attempt = _attempt,
    };

    private void SetRecord(int index, StageRunRecord record)
    {
        lock (_recordLock)
        {
            _states[index].Record = record;
        }

        _writer?.MarkDirty();
    }

    private PipelineRunRecord Snapshot(PipelineRunStatus status, string? reason, DateTimeOffset? finishedAt)
    {
        ImmutableArray<StageRunRecord> stages;
        lock (_recordLock)
        {
            stages = [.. _states.Select(s => s.Record)];
        }

        return new PipelineRunRecord
        {
            RunId = _runId,
            Pipeline = _graph.Name,
            Status = status,
            Reason = reason,
            Attempt = _attempt,
            StartedAt = _prior?.Record.StartedAt ?? _startedAt,
            FinishedAt = finishedAt,
            Host = _runner.HostName,
            Backend = _runner.BackendName,
            CacheEnabled = _runner.CacheEnabled,
            FailFast = _runner.FailFast,
            MaxParallelism = _runner.MaxParallelism,
            Inputs = [.. _graph.Inputs.Where(i => _inputRecords.ContainsKey(i.Name)).Select(i => _inputRecords[i.Name])],
            Stages = stages,
        };
    }

    private PipelineEvent StageEvent(PipelineEventKind kind, string stage, DateTimeOffset timestamp) =>
        new() { Kind = kind, RunId = _runId, Pipeline = _graph.Name, Stage = stage, Timestamp = timestamp };

    /// <summary>Delivers an event to the sinks one at a time, so handlers need no locking and see events in order.</summary>
    private void Emit(PipelineEvent e)
    {
        if (_runner.Progress is null && _runProgress is null)
        {
            return;
        }

        lock (_eventLock)
        {
            try
            {
                _runner.Progress?.Report(e);
                _runProgress?.Report(e);
            }
#pragma warning disable CA1031 // A broken progress display must not fail the pipeline.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                PipelineLog.ProgressHandlerFailed(_runner.Logger, ex);
            }
        }
    }

    private static void ResetDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        Directory.CreateDirectory(path);
    }

    /// <summary>Scheduling state of one stage; touched only by the coordinator loop (records also under the record lock).</summary>
    private sealed class StageState(StageRunRecord record)
    {
        public StageStatus Status { get; set; } = StageStatus.Pending;

        public bool Started { get; set; }

        public int Remaining { get; set; }

        public object? Output { get; set; }

        public string? OutputFingerprint { get; set; }

        public StoredValue? Stored { get; set; }

        public StageRunRecord Record { get; set; } = record;

        public StageRunResult? Result { get; set; }
    }

    private sealed record StageOutcome(StageStatus Status, string? Fingerprint, ImmutableArray<StageInputRecord> Inputs, DateTimeOffset StartedAt, TimeSpan Duration)
    {
        public object? Output { get; init; }

        public StoredValue? Stored { get; init; }

        public string? CachedFromRunId { get; init; }

        public Exception? Error { get; init; }

        public string? Reason { get; init; }

        public string? BackendRunId { get; init; }

        public int? ExitCode { get; init; }
    }

    private sealed record ReusedOutput(object? Value, StoredValue Stored, string SourceRunId);

    private sealed record LoadedValue(object? Value);

    /// <summary>Turns a stage's <see cref="StageContext.Progress"/> reports into <see cref="PipelineEventKind.StageProgress"/> events.</summary>
    private sealed class StageProgress(PipelineExecution execution, string stage) : IProgress<double>
    {
        public void Report(double value) =>
            execution.Emit(execution.StageEvent(PipelineEventKind.StageProgress, stage, execution._runner.TimeProvider.GetUtcNow()) with { Progress = Math.Clamp(value, 0, 1) });
    }
}
