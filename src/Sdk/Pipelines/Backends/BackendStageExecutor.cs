using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stagecraft.Runs;
using Stagecraft.Runs.Logs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// Runs one stage as backend runs of the experiment's own executable: the task (stage and stored arguments) goes to
/// storage as a snapshot (<see cref="StageTaskSnapshot"/>), the worker reads it, runs the stage, stores the output and reports the result object; this side watches
/// the run (placed, starting, running; the worker's log lines and progress), reads the result, and runs the stage
/// again on a new backend run when an attempt was preempted or lost (see <see cref="ShouldRetry"/>).
/// </summary>
internal sealed class BackendStageExecutor(IObjectStorage storage, IRunBackend backend, PipelineWorkerCommand command, BackendRunTracker? tracker, TimeProvider timeProvider, ILoggerFactory loggerFactory)
{
    /// <summary>Label on every stage's backend run (and its VM): the pipeline's name as a label value.</summary>
    public const string PipelineLabel = "stagecraft-pipeline";

    /// <summary>Label on every stage's backend run: the pipeline run id.</summary>
    public const string PipelineRunLabel = "stagecraft-pipeline-run";

    /// <summary>Label on every stage's backend run: the stage's name as a label value.</summary>
    public const string StageLabel = "stagecraft-stage";

    /// <summary>Environment variable the worker sees: the pipeline's name.</summary>
    public const string PipelineVariable = "STAGECRAFT_PIPELINE";

    /// <summary>Environment variable the worker sees: the pipeline run id.</summary>
    public const string PipelineRunVariable = "STAGECRAFT_PIPELINE_RUN_ID";

    /// <summary>Environment variable the worker sees: the stage's name.</summary>
    public const string StageVariable = "STAGECRAFT_STAGE";

    /// <summary>Retries of a stage whose <see cref="StageDescriptor.Retries"/> is unset, spent only on preempted or lost attempts.</summary>
    public const int DefaultInterruptionRetries = 1;

    private const int StderrTailLines = 20;

    public string Name => backend.Capabilities.Name;

    /// <summary>
    /// A fresh backend run id for one attempt of a stage: the pipeline run id (shortened) plus stage index, pipeline
    /// run attempt, stage attempt and a random tag.
    /// </summary>
    public static string NewRunId(string pipelineRunId, int stageIndex, int attempt, int stageAttempt = 1)
    {
        var suffix = FormattableString.Invariant($"-{stageIndex}-{attempt}-{stageAttempt}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}");
        var prefix = pipelineRunId[..Math.Min(pipelineRunId.Length, RunId.MaxLength - suffix.Length)].TrimEnd('-');
        return RunId.Validate(prefix + suffix);
    }

    /// <summary>
    /// Whether a stage whose attempt <paramref name="attempt"/> ended with <paramref name="status"/> runs again: a
    /// preempted or lost run is retried up to <see cref="StageDescriptor.Retries"/> times (default
    /// <see cref="DefaultInterruptionRetries"/>); a run that failed by its own exit code only when the stage sets
    /// Retries above 0; a run terminated on request never.
    /// </summary>
    public static bool ShouldRetry(StageDescriptor stage, int attempt, RunStatus status)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(status);
        var budget = stage.Retries ?? DefaultInterruptionRetries;
        if (attempt > budget || (status.State == RunState.Terminated && !status.IsInterrupted))
        {
            return false;
        }

        return status.IsInterrupted || stage.Retries > 0;
    }

    /// <summary>Runs the stage until an attempt produces its output or <see cref="ShouldRetry"/> says stop.</summary>
    /// <param name="task">What the worker runs.</param>
    /// <param name="stage">The stage (its profile, timeout and retries).</param>
    /// <param name="stageIndex">The stage's topological index (part of the backend run ids).</param>
    /// <param name="runAttempt">The pipeline run's attempt (part of the backend run ids).</param>
    /// <param name="events">Where the stage's watching events go.</param>
    /// <param name="attempts">Receives every attempt's record as it ends, also when the stage fails or is cancelled.</param>
    /// <param name="attemptLaunched">Called with an attempt's record (not yet finished) once its backend run is launched, so the run record can show it while it runs.</param>
    /// <param name="cancellationToken">Cancels the stage: its backend run is terminated.</param>
    /// <returns>The stored output, and the last attempt's exit code and backend run id.</returns>
    /// <exception cref="StageWorkerException">The last attempt failed, or ended without reporting an output.</exception>
    public async Task<(StoredValue Output, int? ExitCode, string BackendRunId)> RunAsync(
        StageTask task, StageDescriptor stage, int stageIndex, int runAttempt, PipelineEventSink events, List<StageAttemptRecord> attempts, Action<StageAttemptRecord>? attemptLaunched, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(StageExecutor.StageLoggerCategory(task.Pipeline, task.Stage));
        for (var number = 1; ; number++)
        {
            var backendRunId = NewRunId(task.PipelineRunId, stageIndex, runAttempt, number);
            var (record, status, output, failure) = await RunAttemptAsync(task, stage, backendRunId, number, events, logger, attempts, attemptLaunched, cancellationToken).ConfigureAwait(false);
            if (output is not null)
            {
                attempts.Add(record);
                return (output, record.ExitCode, backendRunId);
            }

            var retry = ShouldRetry(stage, number, status);
            attempts.Add(record with { Retried = retry });
            if (!retry)
            {
                throw failure!;
            }

            PipelineLog.StageRetrying(logger, task.Stage, number, backendRunId, record.Reason ?? status.ToString());
            events.Emit(events.StageEvent(PipelineEventKind.StageRetrying, task.Stage) with
            {
                Reason = record.Reason,
                Backend = Name,
                Profile = stage.Profile,
                BackendRunId = backendRunId,
                Attempt = number + 1,
            });
        }
    }

    private async Task<(StageAttemptRecord Record, RunStatus Status, StoredValue? Output, StageWorkerException? Failure)> RunAttemptAsync(
        StageTask task, StageDescriptor stage, string backendRunId, int number, PipelineEventSink events, ILogger logger, List<StageAttemptRecord> attempts, Action<StageAttemptRecord>? attemptLaunched, CancellationToken cancellationToken)
    {
        var record = new StageAttemptRecord { Number = number, Backend = Name, Profile = stage.Profile, BackendRunId = backendRunId, StartedAt = timeProvider.GetUtcNow() };
        PipelineEvent Event(PipelineEventKind kind) =>
            events.StageEvent(kind, task.Stage) with { Backend = Name, Profile = stage.Profile, BackendRunId = backendRunId, Attempt = number };

        events.Emit(Event(PipelineEventKind.StagePlaced));
        var paths = new RunPaths(backendRunId);
        await StageTaskSnapshot.WriteAsync(storage, paths, task, cancellationToken).ConfigureAwait(false);

        var spec = Spec(task, stage, backendRunId, paths);

        // Recorded before the launch: a coordinator killed during it leaves an entry the next runner start reaps.
        if (tracker is not null)
        {
            await tracker.LaunchingAsync(Name, backendRunId, cancellationToken).ConfigureAwait(false);
        }

        events.Emit(Event(PipelineEventKind.StageStarting));
        RunHandle handle;
        try
        {
            handle = await backend.LaunchAsync(spec, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (tracker is not null)
            {
                await tracker.LaunchFailedAsync(backendRunId).ConfigureAwait(false);
            }

            attempts.Add(record with { FinishedAt = timeProvider.GetUtcNow(), Reason = $"launch failed: {ex.GetType().Name}: {ex.Message}" });
            throw;
        }

        if (tracker is not null)
        {
            await tracker.LaunchedAsync(handle).ConfigureAwait(false);
        }

        attemptLaunched?.Invoke(record);

        // The worker's output and progress reach the coordinator while the stage runs, in order, under the stage's name.
        using var stopForwarding = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progress = events.StageProgress(task.Stage);
        var forwarding = Task.WhenAll(
            ForwardAsync(handle, LogStream.Stdout, logger, task.Stage, progress, stopForwarding.Token),
            ForwardAsync(handle, LogStream.Stderr, logger, task.Stage, progress, stopForwarding.Token));
        RunStatus status;
        try
        {
            status = await WatchAsync(handle, () => events.Emit(Event(PipelineEventKind.StageRunning)), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var terminated = await backend.TerminateAsync(handle, CancellationToken.None).ConfigureAwait(false);
            if (tracker is not null)
            {
                await tracker.EndedAsync(backendRunId).ConfigureAwait(false);
            }

            attempts.Add(record with { FinishedAt = timeProvider.GetUtcNow(), State = terminated.State, ExitCode = terminated.ExitCode, Reason = "cancelled: terminated on request" });
            throw;
        }
        finally
        {
            // Followers end by themselves once the run has ended and every line is read; a bound keeps a broken store from holding the stage.
            stopForwarding.CancelAfter(backend.Capabilities.LogLatency + TimeSpan.FromSeconds(30));
            await forwarding.ConfigureAwait(false);
        }

        if (tracker is not null)
        {
            await tracker.EndedAsync(backendRunId).ConfigureAwait(false);
        }

        var result = await TryReadResultAsync(paths, cancellationToken).ConfigureAwait(false);
        record = record with
        {
            FinishedAt = timeProvider.GetUtcNow(),
            State = status.State,
            Interruption = status.Interruption,
            ExitCode = status.ExitCode,
            ErrorType = result?.ErrorType,
            Error = result?.Error,
        };
        if (status.State == RunState.Succeeded && result is { Succeeded: true, Output: { } output })
        {
            return (record, status, output, null);
        }

        var detail = result is { ErrorMessage: { } message }
            ? $"{result.ErrorType}: {message}"
            : await StderrTailAsync(handle, cancellationToken).ConfigureAwait(false) ?? status.Message ?? "the worker reported no result";
        record = record with { Reason = status.IsInterrupted ? $"{status.Interruption switch { RunInterruption.Preempted => "preempted", _ => "lost" }}: {status.Message}" : detail };
        var tried = number > 1 ? string.Create(CultureInfo.InvariantCulture, $" (attempt {number})") : string.Empty;
        var failure = new StageWorkerException(
            backendRunId,
            status.ExitCode,
            result?.ErrorType,
            $"Worker run '{backendRunId}' of stage '{task.Stage}' ended {status}{tried}: {detail}")
        {
            RemoteError = result?.Error,
        };
        return (record, status, null, failure);
    }

    private RunSpec Spec(StageTask task, StageDescriptor stage, string backendRunId, RunPaths paths) =>
        new(backendRunId, command.Command, [.. command.Arguments, PipelineWorkerCommand.WorkerArgument])
        {
            WorkingDirectory = command.WorkingDirectory,
            InputPrefix = paths.InputsPrefix,
            ResourceProfile = stage.Profile,
            Timeout = stage.Timeout,
            Labels = new Dictionary<string, string>
            {
                [PipelineLabel] = RunLabels.ToValue(task.Pipeline),
                [PipelineRunLabel] = RunLabels.ToValue(task.PipelineRunId),
                [StageLabel] = RunLabels.ToValue(task.Stage),
            },
            Environment = new Dictionary<string, string>(command.Environment, StringComparer.Ordinal)
            {
                [PipelineVariable] = task.Pipeline,
                [PipelineRunVariable] = task.PipelineRunId,
                [StageVariable] = task.Stage,
            },
        };

    /// <summary>Polls the run until it ends; <paramref name="onRunning"/> is called once, when the command is first seen running (or ended with an exit code before it was).</summary>
    private async Task<RunStatus> WatchAsync(RunHandle handle, Action onRunning, CancellationToken cancellationToken)
    {
        var interval = backend.Capabilities.StatusPollInterval > TimeSpan.Zero ? backend.Capabilities.StatusPollInterval : TimeSpan.FromMilliseconds(100);
        var poll = new EagerPollDelay(interval / 4, interval, timeProvider);
        var seenRunning = false;
        while (true)
        {
            var status = await backend.GetStatusAsync(handle, cancellationToken).ConfigureAwait(false);
            if (!seenRunning && (status.State == RunState.Running || (status.IsTerminal && status.ExitCode is not null && !status.IsInterrupted)))
            {
                seenRunning = true;
                onRunning();
            }

            if (status.IsTerminal)
            {
                return status;
            }

            await poll.DelayAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ForwardAsync(RunHandle handle, LogStream stream, ILogger logger, string stage, IProgress<double> progress, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var line in backend.StreamLogsAsync(handle, stream, follow: true, cancellationToken).ConfigureAwait(false))
            {
                if (stream == LogStream.Stderr)
                {
                    PipelineLog.WorkerStderr(logger, stage, line);
                }
                else if (RunLogControlLine.TryParseProgress(line, out var value))
                {
                    PipelineLog.WorkerProgress(logger, stage, value);
                    progress.Report(value);
                }
                else if (RunLogControlLine.TryParseLog(line, out var level, out var message))
                {
                    // The stage's own logger entry, at its own level (an unknown level name is kept as information).
                    PipelineLog.WorkerLog(logger, Enum.TryParse<LogLevel>(level, out var parsed) && parsed is > LogLevel.Trace and < LogLevel.None ? parsed : LogLevel.Information, stage, message);
                }
                else if (!RunLogControlLine.TryParse(line, out _, out _))
                {
                    // Control lines of kinds this version does not know are not log text either.
                    PipelineLog.WorkerStdout(logger, stage, line);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The stage was cancelled, or the bound after its end ran out: forwarding is best effort, the result is not.
        }
        catch (Exception ex) when (ex is StorageException or RunBackendException or IOException)
        {
            PipelineLog.WorkerLogsUnavailable(logger, stage, handle.RunId, ex);
        }
    }

    private async Task<StageTaskResult?> TryReadResultAsync(RunPaths paths, CancellationToken cancellationToken)
    {
        try
        {
            var read = await storage.GetAsync(PipelinePaths.StageTaskResult(paths), cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (read.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(read.Content, PipelineJsonContext.Default.StageTaskResult, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    private async Task<string?> StderrTailAsync(RunHandle handle, CancellationToken cancellationToken)
    {
        var tail = new Queue<string>();
        await foreach (var line in backend.StreamLogsAsync(handle, LogStream.Stderr, follow: false, cancellationToken).ConfigureAwait(false))
        {
            if (tail.Count == StderrTailLines)
            {
                tail.Dequeue();
            }

            tail.Enqueue(line);
        }

        return tail.Count == 0 ? null : "stderr: " + string.Join(Environment.NewLine, tail);
    }
}
