using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Signals;

namespace Stagecraft.TestChild;

/// <summary>
/// An "experiment executable" for backend pipeline tests: the same graph runs in the test (coordinator) and in this
/// process (worker), which a run backend starts once per stage.
/// </summary>
public static class PipelineWorkerCommands
{
    /// <summary>Double(seed) → Write(file, reporting progress 0.25 then 1, logging a warning) → Read(text); Check(doubled) throws above 100.</summary>
    public static PipelineGraph Graph { get; } = new(
        "BackendDemo",
        [
            new StageDescriptor("Double", null, "double-v1", typeof(int), [new StageParameterDescriptor("seed", typeof(int), StageParameterKind.PipelineInput, "seed")], args => new ValueTask<object?>((int)args[0]! * 2)),
            new StageDescriptor(
                "Write",
                null,
                "write-v1",
                typeof(FileSignal),
                [new StageParameterDescriptor("doubled", typeof(int), StageParameterKind.Upstream, "Double"), new StageParameterDescriptor("context", typeof(StageContext), StageParameterKind.Context, null)],
                async args =>
                {
                    var context = (StageContext)args[1]!;
                    context.Progress?.Report(0.25);
                    context.Logger.LogWarning("writing {Value}\nsecond line of the entry", args[0]);
                    var file = await FileSignal.WriteAllTextAsync(Path.Combine(context.WorkDirectory, "value.txt"), $"{args[0]} from pid {Environment.ProcessId}");
                    context.Progress?.Report(1);
                    return file;
                }),
            new StageDescriptor(
                "Read",
                null,
                "read-v1",
                typeof(string),
                [new StageParameterDescriptor("file", typeof(FileSignal), StageParameterKind.Upstream, "Write")],
                async args => (object?)await ((FileSignal)args[0]!).ReadAllTextAsync()),
            new StageDescriptor(
                "Check",
                null,
                "check-v1",
                typeof(bool),
                [new StageParameterDescriptor("doubled", typeof(int), StageParameterKind.Upstream, "Double")],
                args => (int)args[0]! > 100 ? throw new InvalidOperationException($"value {args[0]} rejected") : new ValueTask<object?>(true)),
        ],
        [new PipelineInputDescriptor("seed", typeof(int))]);

    [ModuleInitializer]
    internal static void Register() =>

        // pipeline-worker <storageRoot> <workRoot> --stagecraft-pipeline-worker: run the stage this backend run was launched for.
        ChildCommands.Register("pipeline-worker", async args =>
        {
            var runner = new PipelineRunner(new PipelineRunnerOptions { Storage = new LocalObjectStorage(args[0]), WorkDirectory = args[1] });
            return await runner.RunWorkerIfRequestedAsync(args, [Graph]) ?? 64;
        });
}
