using Microsoft.Extensions.Logging;
using Stagecraft.Signals;

namespace Stagecraft.Pipelines;

/// <summary>
/// Runs one stage method: gives it its context and token, invokes it, checks its output and stores it. The
/// coordinator (stages in process) and a backend worker (one stage per process) both run stages through this type,
/// so a stage behaves the same wherever it runs.
/// </summary>
internal sealed class StageExecutor(StageValueStore values, StageJsonRoundTrip json, ILoggerFactory loggerFactory)
{
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Exception">Whatever the stage threw, or why its output could not be checked or stored.</exception>
    public async Task<ExecutedStage> ExecuteAsync(StageInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var stage = invocation.Stage;
        var arguments = invocation.Arguments;
        for (var p = 0; p < stage.Parameters.Length; p++)
        {
            switch (stage.Parameters[p].Kind)
            {
                case StageParameterKind.Context:
                    // Only a stage that can see its work directory (through the context) gets one.
                    ResetDirectory(invocation.WorkDirectory);
                    arguments[p] = new StageContext
                    {
                        RunId = invocation.RunId,
                        StageName = stage.Name,
                        WorkDirectory = invocation.WorkDirectory,
                        Logger = loggerFactory.CreateLogger(StageLoggerCategory(invocation.Pipeline, stage.Name)),
                        CancellationToken = cancellationToken,
                        Progress = invocation.Progress,
                    };
                    break;
                case StageParameterKind.CancellationToken:
                    arguments[p] = cancellationToken;
                    break;
            }
        }

        invocation.OnPhase?.Invoke(StageExecutionPhase.Running);
        var value = await stage.Invoker(arguments).ConfigureAwait(false);
        invocation.OnPhase?.Invoke(StageExecutionPhase.CheckingOutput);
        CheckOutput(stage, value);
        StoredValue stored;
        if (value is Signal)
        {
            invocation.OnPhase?.Invoke(StageExecutionPhase.StoringOutput);
            stored = await values.StoreAsync(value, stage.OutputType, invocation.OutputPrefix, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Checked before anything is stored: an output that does not round-trip is never stored or cached.
            var bytes = json.Serialize(value, stage.OutputType, $"the output of stage '{stage.Name}'");
            invocation.OnPhase?.Invoke(StageExecutionPhase.StoringOutput);
            stored = await values.StoreJsonAsync(bytes, stage.OutputType, invocation.OutputPrefix, cancellationToken).ConfigureAwait(false);
        }

        return new ExecutedStage(value, stored);
    }

    /// <summary>The logger category of a stage's <see cref="StageContext.Logger"/>.</summary>
    public static string StageLoggerCategory(string pipeline, string stage) => $"Stagecraft.Pipelines.Stages.{pipeline}.{stage}";

    /// <summary>Checks a value produced or loaded for <paramref name="stage"/> against its declared output type.</summary>
    /// <exception cref="StageOutputNullException">The value is null but the declared output type does not admit null.</exception>
    /// <exception cref="InvalidOperationException">The value is not of the declared type.</exception>
    public static void CheckOutput(StageDescriptor stage, object? value)
    {
        ArgumentNullException.ThrowIfNull(stage);
        if (value is null)
        {
            // Caught here, naming the stage, rather than as a NullReferenceException in whichever stage reads it.
            if (!stage.OutputNullable && Nullable.GetUnderlyingType(stage.OutputType) is null)
            {
                throw new StageOutputNullException(stage.Name, stage.OutputType);
            }

            return;
        }

        if (!stage.OutputType.IsInstanceOfType(value))
        {
            throw new InvalidOperationException($"Stage '{stage.Name}' returned a {value.GetType().FullName}, but its declared output type is {stage.OutputType.FullName}.");
        }
    }

    /// <summary>Empties <paramref name="path"/> (creating it when missing), so a stage never sees a previous execution's files.</summary>
    public static void ResetDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        Directory.CreateDirectory(path);
    }
}
