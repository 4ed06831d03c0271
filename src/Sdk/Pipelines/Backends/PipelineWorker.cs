using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>The worker side of backend execution: runs the one stage a <see cref="StageTask"/> names and reports the result.</summary>
internal sealed class PipelineWorker(PipelineRunner runner)
{
    public async Task<int> RunAsync(string backendRunId, IEnumerable<PipelineGraph> graphs, CancellationToken cancellationToken)
    {
        var paths = new RunPaths(backendRunId);
        StageTask task;
        var read = await runner.Storage.GetAsync(PipelinePaths.StageTask(paths), cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (read.ConfigureAwait(false))
        {
            task = await JsonSerializer.DeserializeAsync(read.Content, PipelineJsonContext.Default.StageTask, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException($"Stage task of run '{backendRunId}' is the JSON literal null.");
        }

        StageTaskResult result;
        try
        {
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
#pragma warning disable CA1031 // Every failure is reported to the coordinator through the result object.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            result = new StageTaskResult { Succeeded = false, ErrorType = ex.GetType().FullName, ErrorMessage = ex.Message, Error = ex.ToString() };
        }

        using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(result, PipelineJsonContext.Default.StageTaskResult), writable: false);
        await runner.Storage.PutAsync(PipelinePaths.StageTaskResult(paths), content, new PutObjectOptions { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? 0 : 1;
    }

    private async Task<StoredValue> RunStageAsync(StageTask task, StageDescriptor stage, CancellationToken cancellationToken)
    {
        var workDirectory = Path.Combine(runner.WorkDirectory, task.PipelineRunId, "worker", stage.Name);
        if (Directory.Exists(workDirectory))
        {
            Directory.Delete(workDirectory, recursive: true);
        }

        Directory.CreateDirectory(workDirectory);
        var arguments = new object?[stage.Parameters.Length];
        for (var p = 0; p < stage.Parameters.Length; p++)
        {
            var parameter = stage.Parameters[p];
            arguments[p] = parameter.Kind switch
            {
                StageParameterKind.Context => new StageContext
                {
                    RunId = task.PipelineRunId,
                    StageName = stage.Name,
                    WorkDirectory = workDirectory,
                    Logger = runner.LoggerFactory.CreateLogger($"Stagecraft.Pipelines.Stages.{task.Pipeline}.{stage.Name}"),
                    CancellationToken = cancellationToken,
                },
                StageParameterKind.CancellationToken => cancellationToken,
                _ => await runner.Values.LoadAsync(
                    task.Arguments.FirstOrDefault(a => a.Parameter == parameter.Name)?.Value ?? throw new InvalidDataException($"The task for stage '{stage.Name}' carries no value for parameter '{parameter.Name}'."),
                    parameter.Type,
                    Path.Combine(workDirectory, "inputs", parameter.Name),
                    cancellationToken).ConfigureAwait(false),
            };
        }

        var value = await stage.Invoker(arguments).ConfigureAwait(false);
        PipelineExecution.CheckOutput(stage, value);
        return await runner.Values.StoreAsync(value, stage.OutputType, cancellationToken).ConfigureAwait(false);
    }
}
