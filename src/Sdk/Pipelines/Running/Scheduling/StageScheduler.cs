using System.Diagnostics;
using System.Threading.Channels;

namespace Stagecraft.Pipelines;

/// <summary>
/// Schedules one run's stages. A single loop owns all scheduling state: it starts ready stages up to the
/// parallelism bound and applies each stage's outcome (unlocking or skipping downstream stages, recording it,
/// reporting it) as it arrives, so no scheduling state is shared between threads.
/// </summary>
internal sealed class StageScheduler
{
    private readonly PipelineRunContext _run;
    private readonly Dictionary<string, int> _indexByName;
    private readonly int[][] _downstream;
    private readonly StageState[] _states;
    private string? _failFastCause;

    public StageScheduler(PipelineRunContext run)
    {
        _run = run;
        var stages = run.Graph.Stages;
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
            _states[i] = new StageState { Remaining = upstream.Length };
            foreach (var up in upstream)
            {
                downstream[_indexByName[up]].Add(i);
            }
        }

        _downstream = [.. downstream.Select(d => d.ToArray())];
    }

    private PipelineRunner Runner => _run.Runner;

    /// <summary>The state of a finished upstream stage, by name (read by executors binding their arguments).</summary>
    public StageState Upstream(string stage) => _states[_indexByName[stage]];

    /// <summary>Every stage's result, by name; complete once <see cref="RunAsync"/> returned.</summary>
    public IReadOnlyDictionary<string, StageRunResult> Results =>
        _states.Select(s => s.Result!).ToDictionary(r => r.Stage, StringComparer.Ordinal);

    /// <summary>Runs every stage whose upstream completed, through <paramref name="execute"/> (which never throws), until none is left.</summary>
    public async Task RunAsync(Func<int, CancellationToken, Task<StageOutcome>> execute, CancellationTokenSource runCancellation)
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
            while (running < Runner.MaxParallelism && ready.TryDequeue(out var next))
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
                _ = Task.Run(async () => completions.Writer.TryWrite((index, await execute(index, token).ConfigureAwait(false))), CancellationToken.None);
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

    /// <summary>How the run ended, judged from its stages (the caller's cancellation and record conflicts are the execution's concern).</summary>
    public (PipelineRunStatus Status, string? Reason) Outcome()
    {
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

    private void Apply(int index, StageOutcome outcome, Queue<int> ready, CancellationTokenSource runCancellation)
    {
        var stage = _run.Graph.Stages[index];
        var state = _states[index];
        var reason = outcome.Status == StageStatus.Cancelled ? CancelledReason() : outcome.Reason;
        state.Status = outcome.Status;
        state.Output = outcome.Output;
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
        _run.Recorder.SetStage(index, new StageRunRecord
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
            Host = Runner.HostName,
            Backend = outcome.Status == StageStatus.Cached ? null : Runner.PlaceStage(_run.Graph, stage)?.Name ?? PipelineRunner.InProcessBackend,
            Attempt = _run.Attempt,
            ErrorType = outcome.Error?.GetType().FullName,
            Error = outcome.Error?.ToString(),
            BackendRunId = outcome.BackendRunId,
            ExitCode = outcome.ExitCode,
            Attempts = outcome.Attempts,
        });

        var events = _run.Events;
        switch (outcome.Status)
        {
            case StageStatus.Succeeded or StageStatus.Cached:
                if (outcome.Status == StageStatus.Cached)
                {
                    PipelineLog.StageCached(Runner.Logger, stage.Name, outcome.CachedFromRunId!, outcome.Fingerprint!);
                }

                events.Emit(events.StageEvent(outcome.Status == StageStatus.Cached ? PipelineEventKind.StageCached : PipelineEventKind.StageSucceeded, stage.Name) with
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
                PipelineLog.StageFailed(Runner.Logger, stage.Name, reason!, outcome.Error);
                events.Emit(events.StageEvent(PipelineEventKind.StageFailed, stage.Name) with { Duration = outcome.Duration, Reason = reason, Error = outcome.Error });
                SkipDownstream(index, $"upstream stage '{stage.Name}' failed");
                if (Runner.FailFast && !runCancellation.IsCancellationRequested)
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
                events.Emit(events.StageEvent(PipelineEventKind.StageCancelled, stage.Name) with { Duration = outcome.Duration, Reason = reason });
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
        var stage = _run.Graph.Stages[index];
        var state = _states[index];
        state.Status = StageStatus.Skipped;
        state.Result = new StageRunResult { Stage = stage.Name, Status = StageStatus.Skipped, Reason = reason };
        _run.Recorder.SetStage(index, _run.Recorder.PendingRecord(stage) with { Status = StageStatus.Skipped, Reason = reason, Host = Runner.HostName });
        PipelineLog.StageSkipped(Runner.Logger, stage.Name, reason);
        _run.Events.Emit(_run.Events.StageEvent(PipelineEventKind.StageSkipped, stage.Name) with { Reason = reason });
    }

    private string NotStartedReason() => _failFastCause is { } cause
        ? $"not started: FailFast stopped the run after stage '{cause}' failed"
        : "not started: the run was cancelled";

    private string CancelledReason() => _failFastCause is { } cause
        ? $"cancelled: FailFast stopped the run after stage '{cause}' failed"
        : "cancelled while running";
}
