using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Stagecraft.IO;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Signals;

namespace Stagecraft.Benchmarks.Pipelines;

/// <summary>
/// A fully cached run whose input is a large file (1 GiB by default) against <c>openssl dgst -sha256</c> over the same
/// file, in the same run: the cached path must cost about one hash pass (no copy of the input, no new content).
/// The file and the store live on tmpfs (/dev/shm when present), so the figure is our own overhead, not the disk's.
/// </summary>
[Config(typeof(Config))]
public class CachedLargeInputBenchmarks
{
    private static readonly PipelineGraph Graph = CreateGraph();
    private string _root = "";
    private string _input = "";
    private PipelineRunner _runner = null!;

    /// <summary>Input size in MiB: <c>STAGECRAFT_BENCH_INPUT_MIB</c>, default 1024.</summary>
    public static long InputMiB =>
        long.TryParse(Environment.GetEnvironmentVariable("STAGECRAFT_BENCH_INPUT_MIB"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var mib) && mib > 0 ? mib : 1024;

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.Exists("/dev/shm")
            ? Path.Combine("/dev/shm", "stagecraft-bench-cached-" + Guid.NewGuid().ToString("N"))
            : Path.Combine(Path.GetTempPath(), "stagecraft-bench-cached-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
        _input = Path.Combine(_root, "input.bin");
        WriteInput(_input, InputMiB * 1024 * 1024);
        _runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = new LocalObjectStorage(Path.Combine(_root, "store"), new LocalObjectStorageOptions { Durability = Durability.None }),
            WorkDirectory = Path.Combine(_root, "work"),
            MaxParallelism = Environment.ProcessorCount,
        });

        // The first run stores the input and the outputs; every measured run is then fully cached.
        var first = RunOnce();
        if (first.Stages.Values.Any(s => s.Status != StageStatus.Succeeded))
        {
            throw new InvalidOperationException("the cold run did not run every stage");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Baseline = true, Description = "openssl dgst -sha256")]
    public void OpensslDgst()
    {
        using var process = Process.Start(new ProcessStartInfo("openssl", ["dgst", "-sha256", _input]) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || !output.Contains('='))
        {
            throw new InvalidOperationException("openssl dgst failed: " + output);
        }
    }

    [Benchmark(Description = "fully cached run")]
    public void FullyCachedRun()
    {
        var result = RunOnce();
        if (result.Stages.Values.Any(s => s.Status != StageStatus.Cached))
        {
            throw new InvalidOperationException("a measured run was not fully cached");
        }
    }

    private PipelineRunResult RunOnce() =>
        _runner.RunAsync(Graph, new Dictionary<string, object?> { ["data"] = new FileSignal(_input) }).GetAwaiter().GetResult();

    /// <summary>Deterministic, incompressible-looking bytes, written in 8 MiB blocks.</summary>
    private static void WriteInput(string path, long size)
    {
        var block = new byte[8 * 1024 * 1024];
        new Random(42).NextBytes(block);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (long written = 0; written < size; written += block.Length)
        {
            block[0]++;
            file.Write(block, 0, (int)Math.Min(block.Length, size - written));
        }
    }

    /// <summary>Load (reads the input's length) → Summarise: a data-loading pipeline whose only large value is its input.</summary>
    private static PipelineGraph CreateGraph() => new(
        "CachedLargeInput",
        [
            new StageDescriptor("Load", null, "load-v1", typeof(long), [new StageParameterDescriptor("data", typeof(FileSignal), StageParameterKind.PipelineInput, "data")], a => new ValueTask<object?>(new FileInfo(((FileSignal)a[0]!).Path).Length)),
            new StageDescriptor("Summarise", null, "summarise-v1", typeof(string), [new StageParameterDescriptor("length", typeof(long), StageParameterKind.Upstream, "Load")], a => new ValueTask<object?>($"{(long)a[0]!} bytes")),
        ],
        [new PipelineInputDescriptor("data", typeof(FileSignal))]);

    /// <summary>In process (the 1 GiB input is written once) with a short job: 1 warm-up and 7 measured single invocations.</summary>
    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(7)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(1), logOutput: true)));
    }
}
