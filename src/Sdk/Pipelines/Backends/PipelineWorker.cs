using System.Text.Json;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>The worker side of backend execution: runs the one stage a <see cref="StageTask"/> (read with <see cref="StageTaskSnapshot"/>) names and reports the result.</summary>
internal sealed class PipelineWorker(PipelineRunner runner)
{
    public async Task<int> RunAsync(string backendRunId, IEnumerable<PipelineGraph> graphs, CancellationToken cancellationToken)
    {
        var paths = new RunPaths(backendRunId);
        StageTaskResult result;
        StageTask? task = null;
        try
        {
            // A corrupt, oversized or newer-version task fails here with the snapshot's own exception type.
            task = await StageTaskSnapshot.ReadAsync(runner.Storage, paths, cancellationToken).ConfigureAwait(false);
            var graph = graphs.FirstOrDefault(g => g.Name == task.Pipeline)
                ?? throw new InvalidOperationException($"This program has no pipeline '{task.Pipeline}' (it has: {string.Join(", ", graphs.Select(g => g.Name))}).");
            var stage = graph[task.Stage];
            if (stage.CodeHash != task.CodeHash)
            {
                throw new InvalidOperationException($"Stage '{task.Stage}' of this program has code hash {stage.CodeHash}, but the task was made for {task.CodeHash}: the worker runs different code than the coordinator.");
            }

            var output = await RunStageAsync(task, stage, cancellationToken).ConfigureAwait(false);
            result = new StageTaskResult { Succeeded = true, Output = output };
        }
#pragma warning disable CA1031 // Every failure, an unreadable task's included, is reported to the coordinator through the result object.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            var message = task is null ? $"The stage task '{PipelinePaths.StageTask(paths)}' cannot be read: {ex.Message}" : ex.Message;
            result = new StageTaskResult { Succeeded = false, ErrorType = ex.GetType().FullName, ErrorMessage = message, Error = ex.ToString() };
        }

        using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(result, PipelineJsonContext.Default.StageTaskResult), writable: false);
        await runner.Storage.PutAsync(PipelinePaths.StageTaskResult(paths), content, new PutObjectOptions { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? 0 : 1;
    }

    private async Task<StoredValue> RunStageAsync(StageTask task, StageDescriptor stage, CancellationToken cancellationToken)
    {
        // Inputs are materialised beside the work directory: the executor empties the work directory before a
        // stage that can see it runs.
        var stageDirectory = Path.Combine(runner.WorkDirectory, task.PipelineRunId, "worker", stage.Name);
        StageExecutor.ResetDirectory(stageDirectory);
        var arguments = new object?[stage.Parameters.Length];
        for (var p = 0; p < stage.Parameters.Length; p++)
        {
            var parameter = stage.Parameters[p];
            if (parameter.Kind is StageParameterKind.Upstream or StageParameterKind.PipelineInput)
            {
                arguments[p] = await runner.Values.LoadAsync(
                    task.Arguments.FirstOrDefault(a => a.Parameter == parameter.Name)?.Value ?? throw new InvalidDataException($"The task for stage '{stage.Name}' carries no value for parameter '{parameter.Name}'."),
                    parameter.Type,
                    Path.Combine(stageDirectory, "inputs", parameter.Name),
                    cancellationToken).ConfigureAwait(false);
            }
        }

        // The stage's logger also writes to this process's stdout, which the coordinator follows.
        var executor = new StageExecutor(runner.Values, runner.Json, new WorkerLoggerFactory(runner.LoggerFactory, Console.Out));
        var executed = await executor.ExecuteAsync(
            new StageInvocation
            {
                Pipeline = task.Pipeline,
                RunId = task.PipelineRunId,
                Stage = stage,
                Arguments = arguments,
                WorkDirectory = Path.Combine(stageDirectory, "work"),
                Progress = new WorkerProgressWriter(Console.Out),
            },
            cancellationToken).ConfigureAwait(false);
        return executed.Stored;
    }
}
