using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Runs;

namespace Stagecraft.TestChild;

/// <summary>
/// A two-stage pipeline for warm-worker limits (terminate, timeout, lost ACKs): <c>First</c> doubles the seed, then
/// <c>Hold</c> writes <c>{gate}.holding.{pid}</c> (holding the backend run id) and waits until <c>{gate}</c> exists;
/// with <c>{gate}.stubborn</c> present it ignores its cancellation.
/// </summary>
public static class WarmLimitsCommands
{
    public static PipelineGraph Graph(TimeSpan? holdTimeout = null) => new(
        "WarmLimits",
        [
            new StageDescriptor("First", null, "first-v1", typeof(int), [new StageParameterDescriptor("seed", typeof(int), StageParameterKind.PipelineInput, "seed")], args => new ValueTask<object?>((int)args[0]! * 2)),
            new StageDescriptor(
                "Hold",
                null,
                "hold-v1",
                typeof(int),
                [
                    new StageParameterDescriptor("doubled", typeof(int), StageParameterKind.Upstream, "First"),
                    new StageParameterDescriptor("gate", typeof(string), StageParameterKind.PipelineInput, "gate"),
                    new StageParameterDescriptor("context", typeof(StageContext), StageParameterKind.Context, null),
                ],
                async args =>
                {
                    var gate = (string)args[1]!;
                    var context = (StageContext)args[2]!;
                    await File.WriteAllTextAsync(gate + ".holding." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture), Environment.GetEnvironmentVariable(RunEnvironmentVariables.RunId));
                    var stopping = File.Exists(gate + ".stubborn") ? CancellationToken.None : context.CancellationToken;
                    while (!File.Exists(gate))
                    {
                        await Task.Delay(20, stopping);
                    }

                    return (int)args[0]! + 1;
                })
            {
                Timeout = holdTimeout,
            },
        ],
        [new PipelineInputDescriptor("seed", typeof(int)), new PipelineInputDescriptor("gate", typeof(string))]);

    [ModuleInitializer]
    internal static void Register() =>

        // warm-limits-worker <storageRoot> <workRoot> --stagecraft-pipeline-worker
        ChildCommands.Register("warm-limits-worker", async args =>
        {
            var runner = new PipelineRunner(new PipelineRunnerOptions { Storage = new LocalObjectStorage(args[0]), WorkDirectory = args[1] });
            return await runner.RunWorkerIfRequestedAsync(args, [Graph()]) ?? 64;
        });
}
