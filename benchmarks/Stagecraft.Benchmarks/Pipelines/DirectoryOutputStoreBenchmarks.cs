using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Stagecraft.Fingerprinting;
using Stagecraft.IO;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Signals;

namespace Stagecraft.Benchmarks.Pipelines;

/// <summary>
/// Storing a directory output (1 GiB in files by default) with <see cref="StageValueStore"/> against one hashing pass over
/// the same tree (<see cref="TreeFingerprint.ComputeAsync"/>, parallel, page cache), in the same run. Storing must read
/// each file once: when every content is already stored (a stage that produced the same files again) it costs about
/// the one pass; storing new content adds the upload, which hashes as it copies. Tree and store live on tmpfs
/// (/dev/shm when present), so the figures are our own overhead, not the disk's.
/// </summary>
/// <remarks>
/// Size: <c>STAGECRAFT_BENCH_OUTPUT_FILES</c> (default 4,096) files of <c>STAGECRAFT_BENCH_OUTPUT_FILE_KIB</c> (default 256) KiB.
/// </remarks>
[Config(typeof(Config))]
public class DirectoryOutputStoreBenchmarks
{
    private string _root = "";
    private string _tree = "";
    private LocalObjectStorage _warmStorage = null!;
    private StageValueStore _warmStore = null!;
    private StageValueStore _coldStore = null!;
    private int _coldRound;

    private static int Files => EnvInt("STAGECRAFT_BENCH_OUTPUT_FILES", 4096);

    private static int FileKiB => EnvInt("STAGECRAFT_BENCH_OUTPUT_FILE_KIB", 256);

    [GlobalSetup]
    public void Setup()
    {
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _root = Path.Combine(parent, "stagecraft-bench-dir-output-" + Guid.NewGuid().ToString("N"));
        _tree = Path.Combine(_root, "output");
        var content = new byte[FileKiB * 1024];
        var random = new Random(42);
        for (var i = 0; i < Files; i++)
        {
            var directory = Path.Combine(_tree, string.Create(CultureInfo.InvariantCulture, $"part-{i % 64:D2}"));
            Directory.CreateDirectory(directory);
            random.NextBytes(content);
            File.WriteAllBytes(Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"shard-{i:D5}.bin")), content);
        }

        _warmStorage = new LocalObjectStorage(Path.Combine(_root, "warm-store"), new LocalObjectStorageOptions { Durability = Durability.None });
        _warmStore = new StageValueStore(_warmStorage, JsonSerializerOptions.Default);
        var first = Store(_warmStore);
        Console.WriteLine($"// tree: {Files} files x {FileKiB} KiB = {(long)Files * FileKiB / 1024} MiB, {first.Objects.Length} objects stored; {Environment.ProcessorCount} cores");
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    /// <summary>The floor: one parallel read + SHA-256 of every file of the tree.</summary>
    [Benchmark(Baseline = true, Description = "TreeFingerprint (one hashing pass)")]
    public string HashTreeOnce() => TreeFingerprint.ComputeAsync(_tree).GetAwaiter().GetResult();

    /// <summary>Every content is already in the store: only references are made.</summary>
    [Benchmark(Description = "store, content already stored")]
    public StoredValue StoreAgain()
    {
        var stored = Store(_warmStore);
        return stored.Objects.Length == Files ? stored : throw new InvalidOperationException("not every file was stored");
    }

    [IterationSetup(Target = nameof(StoreNew))]
    public void NewStore()
    {
        var store = Path.Combine(_root, "cold-store");
        if (Directory.Exists(store))
        {
            Directory.Delete(store, recursive: true);
        }

        _coldRound++;
        _coldStore = new StageValueStore(new LocalObjectStorage(store, new LocalObjectStorageOptions { Durability = Durability.None }), JsonSerializerOptions.Default);
    }

    /// <summary>An empty store: every file is uploaded (the upload hashes what it copies).</summary>
    [Benchmark(Description = "store, new content")]
    public StoredValue StoreNew()
    {
        var stored = Store(_coldStore);
        return stored.Objects.Length == Files ? stored : throw new InvalidOperationException($"not every file was stored (round {_coldRound})");
    }

    private StoredValue Store(StageValueStore store) =>
        store.StoreAsync(new DirectorySignal(_tree), typeof(DirectorySignal), CancellationToken.None).GetAwaiter().GetResult();

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    /// <summary>In process (the tree is written once), 1 warm-up and 5 measured single invocations.</summary>
    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(1), logOutput: true)));
    }
}
