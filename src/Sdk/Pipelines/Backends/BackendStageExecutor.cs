using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// Runs one stage as a backend run of the experiment's own executable: the task (stage and stored arguments) goes
/// to storage, the worker reads it, runs the stage, stores the output and reports the result object; this side
/// waits for the run to end and reads that result.
/// </summary>
internal sealed class BackendStageExecutor(IObjectStorage storage, IRunBackend backend, PipelineWorkerCommand command, TimeProvider timeProvider, ILoggerFactory loggerFactory)
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

    private const int StderrTailLines = 20;

    public string Name => backend.Capabilities.Name;

    /// <summary>A fresh backend run id for one execution of a stage: the pipeline run id (shortened) plus stage index, attempt and a random tag.</summary>
    public static string NewRunId(string pipelineRunId, int stageIndex, int attempt)
    {
        var suffix = FormattableString.Invariant($"-{stageIndex}-{attempt}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}");
        var prefix = pipelineRunId[..Math.Min(pipelineRunId.Length, RunId.MaxLength - suffix.Length)].TrimEnd('-');
        return RunId.Validate(prefix + suffix);
    }

    /// <returns>The stored output and the worker's exit code.</returns>
    /// <exception cref="StageWorkerException">The worker failed, or ended without reporting an output.</exception>
    public async Task<(StoredValue Output, int? ExitCode)> RunAsync(StageTask task, StageDescriptor stage, string backendRunId, CancellationToken cancellationToken)
    {
        var paths = new RunPaths(backendRunId);
        using (var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(task, PipelineJsonContext.Default.StageTask), writable: false))
        {
            await storage.PutAsync(PipelinePaths.StageTask(paths), content, new PutObjectOptions { IfGenerationMatch = 0, ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        }

        var spec = new RunSpec(backendRunId, command.Command, [.. command.Arguments, PipelineWorkerCommand.WorkerArgument])
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
        var handle = await backend.LaunchAsync(spec, cancellationToken).ConfigureAwait(false);
        RunStatus status;

        // The worker's output reaches the coordinator's logger while the stage runs, in order, under the stage's name.
        var logger = loggerFactory.CreateLogger($"Stagecraft.Pipelines.Stages.{task.Pipeline}.{task.Stage}");
        using var stopForwarding = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var forwarding = Task.WhenAll(
            ForwardAsync(handle, LogStream.Stdout, logger, task.Stage, stopForwarding.Token),
            ForwardAsync(handle, LogStream.Stderr, logger, task.Stage, stopForwarding.Token));
        try
        {
            status = await backend.WaitForCompletionAsync(handle, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await backend.TerminateAsync(handle, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            // Followers end by themselves once the run has ended and every line is read; a bound keeps a broken store from holding the stage.
            stopForwarding.CancelAfter(backend.Capabilities.LogLatency + TimeSpan.FromSeconds(30));
            await forwarding.ConfigureAwait(false);
        }

        var result = await TryReadResultAsync(paths, cancellationToken).ConfigureAwait(false);
        if (status.State == RunState.Succeeded && result is { Succeeded: true, Output: { } output })
        {
            return (output, status.ExitCode);
        }

        var detail = result is { ErrorMessage: { } message }
            ? $"{result.ErrorType}: {message}"
            : await StderrTailAsync(handle, cancellationToken).ConfigureAwait(false) ?? status.Message ?? "the worker reported no result";
        throw new StageWorkerException(
            backendRunId,
            status.ExitCode,
            result?.ErrorType,
            $"Worker run '{backendRunId}' of stage '{task.Stage}' ended {status}: {detail}")
        {
            RemoteError = result?.Error,
        };
    }

    private async Task ForwardAsync(RunHandle handle, LogStream stream, ILogger logger, string stage, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var line in backend.StreamLogsAsync(handle, stream, follow: true, cancellationToken).ConfigureAwait(false))
            {
                if (stream == LogStream.Stderr)
                {
                    PipelineLog.WorkerStderr(logger, stage, line);
                }
                else
                {
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
