using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;

namespace Stagecraft.TestChild;

/// <summary>A chain of no-op stages (each passes its input on), for measuring what a backend adds per stage.</summary>
public static class PipelineNoOpChainCommands
{
    /// <summary>The longest chain the worker command knows; a coordinator runs <see cref="Chain"/> of any length up to it.</summary>
    public const int MaxStages = 200;

    /// <summary>S000 → S001 → … (each returns its input): the first <paramref name="stages"/> stages.</summary>
    public static PipelineGraph Chain(int stages)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stages, MaxStages);
        return new PipelineGraph(
            "NoOpChain" + stages.ToString(CultureInfo.InvariantCulture),
            [.. Enumerable.Range(0, stages).Select(i => new StageDescriptor(
                Name(i),
                null,
                "noop-v1",
                typeof(int),
                [i == 0
                    ? new StageParameterDescriptor("value", typeof(int), StageParameterKind.PipelineInput, "seed")
                    : new StageParameterDescriptor("value", typeof(int), StageParameterKind.Upstream, Name(i - 1))],
                args => new ValueTask<object?>(args[0])))],
            [new PipelineInputDescriptor("seed", typeof(int))]);
    }

    private static string Name(int i) => "S" + i.ToString("000", CultureInfo.InvariantCulture);

    private static ActivityListener TraceTo(string file)
    {
        var writer = new StreamWriter(file, append: true) { AutoFlush = true };
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Stagecraft", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a =>
            {
                lock (writer)
                {
                    writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{a.OperationName}\t{a.Duration.TotalMilliseconds:F3}"));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    [ModuleInitializer]
    internal static void Register() =>

        // pipeline-noop-worker <storageRoot> <workRoot> <stages> --stagecraft-pipeline-worker: one stage of the chain.
        ChildCommands.Register("pipeline-noop-worker", async args =>
        {
            // A benchmark's profile: every activity of this process, appended (name, milliseconds) to the named file.
            using var trace = Environment.GetEnvironmentVariable("STAGECRAFT_BENCH_TRACE_FILE") is { Length: > 0 } traceFile ? TraceTo(traceFile) : null;
            var runner = new PipelineRunner(new PipelineRunnerOptions { Storage = new LocalObjectStorage(args[0]), WorkDirectory = args[1] });
            return await runner.RunWorkerIfRequestedAsync(args, [Chain(int.Parse(args[2], CultureInfo.InvariantCulture))]) ?? 64;
        });
}
