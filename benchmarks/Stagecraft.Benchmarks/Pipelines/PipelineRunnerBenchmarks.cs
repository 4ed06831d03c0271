using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Stagecraft.IO;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Storage;

namespace Stagecraft.Benchmarks.Pipelines;

/// <summary>
/// Runner overhead: a 1,000-stage DAG of no-op in-process stages (50 layers of 20, each stage reading two stages of
/// the layer above). Everything measured is runner work: scheduling, fingerprinting, storing each output as JSON in
/// <see cref="LocalObjectStorage"/>, cache lookups and entries, events and the run record. Divide by 1,000 for the
/// per-stage figure.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 6, invocationCount: 1)]
public class PipelineRunnerBenchmarks
{
    public const int Layers = 50;
    public const int Width = 20;

    private static readonly object Zero = 0;
    private readonly PipelineGraph _graph = CreateGraph();
    private string _root = "";
    private PipelineRunner _runner = null!;

    /// <summary>Off: no lookups or entries. Cold: every stage misses and writes an entry. Warm: every stage is a hit.</summary>
    [Params("off", "cold", "warm")]
    public string Cache { get; set; } = "off";

    /// <summary>
    /// <c>memory</c>: an in-memory store, so the figure is the runner's own overhead. <c>local</c>: LocalObjectStorage
    /// on this machine's disk (<see cref="Durability.None"/>: atomic renames, no fsync), the end-to-end cost.
    /// </summary>
    [Params("memory", "local")]
    public string Storage { get; set; } = "memory";

    [IterationSetup]
    public void CreateStore()
    {
        _root = Path.Combine(Path.GetTempPath(), "stagecraft-bench-" + Guid.NewGuid().ToString("N"));
        _runner = CreateRunner(_root, Storage == "memory" ? new InMemoryObjectStorage() : new LocalObjectStorage(Path.Combine(_root, "storage"), new LocalObjectStorageOptions { Durability = Durability.None }), Cache != "off");
        if (Cache == "warm")
        {
            _runner.RunAsync(_graph, ImmutableDictionary<string, object?>.Empty).GetAwaiter().GetResult();
        }
    }

    [IterationCleanup]
    public void DeleteStore()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Benchmark(Description = "1,000 no-op stages")]
    public async Task<PipelineRunResult> Run()
    {
        var result = await _runner.RunAsync(_graph, ImmutableDictionary<string, object?>.Empty);
        return result.Succeeded ? result : throw new InvalidOperationException("benchmark run failed");
    }

    public static PipelineRunner CreateRunner(string root, IObjectStorage storage, bool cache) => new(new PipelineRunnerOptions
    {
        Storage = storage,
        WorkDirectory = Path.Combine(root, "work"),
        CacheEnabled = cache,
        MaxParallelism = Environment.ProcessorCount,
    });

    public static PipelineGraph CreateGraph()
    {
        static string Name(int layer, int j) => $"s{layer:D2}x{j:D2}";
        StageInvoker noOp = _ => new ValueTask<object?>(Zero);
        var stages = ImmutableArray.CreateBuilder<StageDescriptor>(Layers * Width);
        for (var layer = 0; layer < Layers; layer++)
        {
            for (var j = 0; j < Width; j++)
            {
                ImmutableArray<StageParameterDescriptor> parameters = layer == 0
                    ? []
                    : [
                        new("a", typeof(int), StageParameterKind.Upstream, Name(layer - 1, j)),
                        new("b", typeof(int), StageParameterKind.Upstream, Name(layer - 1, (j + 7) % Width)),
                    ];
                stages.Add(new StageDescriptor(Name(layer, j), null, "code-" + Name(layer, j), typeof(int), parameters, noOp));
            }
        }

        return new PipelineGraph("Bench", stages.MoveToImmutable(), []);
    }
}
