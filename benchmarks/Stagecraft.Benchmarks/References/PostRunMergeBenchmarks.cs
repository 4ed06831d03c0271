using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Stagecraft.IO;
using Stagecraft.Local.Storage;
using Stagecraft.References;
using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.Storage.Transfers;

namespace Stagecraft.Benchmarks.References;

/// <summary>
/// Post-run merge of 4 shards × 2,500 files (1–64 KiB, overlapping picks) into a local cache of 10,000 files, against a
/// lower bound measured in the same run: reading the same picked objects and writing each with plain temp + rename into
/// the same cache (no lock, no manifest, no staging tree, no old-tree removal). Both use 8-way parallelism. Operations
/// are files (<see cref="Picks"/> per invocation), so Op/s is files/s.
/// </summary>
/// <remarks>
/// Layout: 10 keys; locally 1,000 files per key (<c>d{i%10}/f{i}.bin</c>, i &lt; 1000) plus an older marker. Each shard
/// holds 250 files per key from a pool of 600 paths (shard s takes paths s·150 … s·150+249 mod 600), so shards overlap
/// and the picks are the 600 pool paths per key, 400 local files per key are stale, and the cloud marker wins.
/// </remarks>
[Config(typeof(Config))]
public class PostRunMergeBenchmarks
{
    /// <summary>Files written per invocation: 10 keys × (600 picks + marker).</summary>
    public const int Picks = Keys * PoolPerKey + Keys;

    private const int Keys = 10;
    private const int LocalFilesPerKey = 1000;
    private const int PoolPerKey = 600;
    private const int Shards = 4;
    private const int FilesPerShardPerKey = 250;
    private const string RunId = "bench-run";
    private const string Kind = "otf";
    private const int Parallelism = 8;

    private readonly List<(string ObjectKey, string LocalPath, DateTime Mtime)> _picks = [];
    private string _dir = "";
    private string _pristine = "";
    private string _work = "";
    private LocalObjectStorage _storage = null!;
    private int _iteration;

    /// <summary>Durability off (atomic against crashes only) or on (every file fsynced before it goes live).</summary>
    [Params(false, true)]
    public bool Durable { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"stagecraft-bench-merge-{Guid.NewGuid():N}");
        _pristine = Path.Combine(_dir, "pristine");
        _storage = new LocalObjectStorage(Path.Combine(_dir, "storage"), new LocalObjectStorageOptions { Durability = Durability.None });
        var random = new Random(42);
        var buffer = new byte[64 * 1024];
        var old = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        for (var k = 0; k < Keys; k++)
        {
            var keyDir = Path.Combine(_pristine, Key(k));
            for (var i = 0; i < LocalFilesPerKey; i++)
            {
                var path = Path.Combine(keyDir, RelativePath(i));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                random.NextBytes(buffer);
                await File.WriteAllBytesAsync(path, buffer.AsMemory(0, random.Next(1024, 64 * 1024 + 1)));
                File.SetLastWriteTimeUtc(path, old);
            }

            await File.WriteAllTextAsync(Path.Combine(keyDir, ReferenceFileNames.Marker), "local-" + Key(k));
            File.SetLastWriteTimeUtc(Path.Combine(keyDir, ReferenceFileNames.Marker), old);
        }

        var paths = new RunPaths(RunId);
        var winners = new Dictionary<(int Key, int Path), (string ObjectKey, DateTime Mtime)>();
        var cloud = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var s = 0; s < Shards; s++)
        {
            var shard = string.Create(CultureInfo.InvariantCulture, $"host-{s}");
            for (var k = 0; k < Keys; k++)
            {
                var prefix = paths.PostRun(Kind, shard, Key(k));
                var sidecar = new StringBuilder("{");
                for (var j = 0; j < FilesPerShardPerKey; j++)
                {
                    var i = ((s * 150) + j) % PoolPerKey;
                    var mtime = cloud.AddMinutes(random.Next(0, 100));
                    random.NextBytes(buffer);
                    await PutAsync(prefix + RelativePath(i), buffer.AsMemory(0, random.Next(1024, 64 * 1024 + 1)));
                    sidecar.Append(CultureInfo.InvariantCulture, $"\"{RelativePath(i)}\":\"{TransferMetadata.FormatLastWriteTime(mtime)}\",");
                    if (!winners.TryGetValue((k, i), out var best) || mtime > best.Mtime || (mtime == best.Mtime && string.CompareOrdinal(prefix, best.ObjectKey) > 0))
                    {
                        winners[(k, i)] = (prefix + RelativePath(i), mtime);
                    }
                }

                var markerTime = cloud.AddHours(1).AddMinutes(s);
                await PutAsync(prefix + ReferenceFileNames.Marker, Encoding.UTF8.GetBytes("cloud-" + Key(k)));
                sidecar.Append(CultureInfo.InvariantCulture, $"\"{ReferenceFileNames.Marker}\":\"{TransferMetadata.FormatLastWriteTime(markerTime)}\"}}");
                await PutAsync(prefix + ReferenceFileNames.SourceMtimes, Encoding.UTF8.GetBytes(sidecar.ToString()));
                await PutAsync(prefix + ReferenceFileNames.UploadComplete, "{}"u8.ToArray());
                if (s == Shards - 1)
                {
                    winners[(k, -1)] = (prefix + ReferenceFileNames.Marker, markerTime);
                }
            }
        }

        foreach (var ((k, i), (objectKey, mtime)) in winners)
        {
            _picks.Add((objectKey, Path.Combine(Key(k), i < 0 ? ReferenceFileNames.Marker : RelativePath(i)), mtime));
        }

        if (_picks.Count != Picks)
        {
            throw new InvalidOperationException($"Expected {Picks} picks, planned {_picks.Count}.");
        }
    }

    [IterationSetup]
    public void ResetCache()
    {
        if (_work.Length > 0 && Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }

        _work = Path.Combine(_dir, string.Create(CultureInfo.InvariantCulture, $"work-{_iteration++}"));
        HardLinks.CopyTree(_pristine, _work);
    }

    /// <summary>The floor: read each picked object and write it with temp + rename (+ fsync when durable). Nothing else.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Picks)]
    public Task LowerBound_TempAndRename() =>
        Parallel.ForEachAsync(_picks, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (pick, ct) =>
        {
            var target = Path.Combine(_work, pick.LocalPath);
            var temp = target + ".tmp";
            var read = await _storage.GetAsync(pick.ObjectKey, null, ct);
            await using (read)
            {
                var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
                await using (file)
                {
                    await read.Content.CopyToAsync(file, 128 * 1024, ct);
                    if (Durable)
                    {
                        file.Flush(flushToDisk: true);
                    }
                }
            }

            File.Move(temp, target, overwrite: true);
        });

    /// <summary>The post-run merge of the same run into the same cache.</summary>
    [Benchmark(OperationsPerInvoke = Picks)]
    public async Task<int> PostRunMerge()
    {
        var merger = new PostRunMerger(_storage, new PostRunMergerOptions
        {
            Durability = Durable ? Durability.File : Durability.None,
            MaxParallelism = Parallelism,
            PersistReport = false,
        });
        var report = await merger.MergeAsync(RunId, Kind, _work);
        return report.MergedKeys.Count == Keys ? report.MergedKeys.Sum(m => m.FileCount) : throw new InvalidOperationException("The merge did not merge every key.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static string Key(int k) => string.Create(CultureInfo.InvariantCulture, $"db{k:D2}");

    private static string RelativePath(int i) => string.Create(CultureInfo.InvariantCulture, $"d{i % 10}/f{i:D4}.bin");

    private Task PutAsync(string key, ReadOnlyMemory<byte> content)
    {
        var stream = new MemoryStream(content.ToArray(), writable: false);
        return _storage.PutAsync(key, stream);
    }

    /// <summary>A short job (the machine is shared): 1 warm-up and 5 measured iterations of one invocation each, in process.</summary>
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // In-process: no per-benchmark project build, which times out on the loaded shared machine.
            AddJob(Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(1)
                .WithIterationCount(5)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithToolchain(InProcessEmitToolchain.Instance));
            AddColumn(StatisticColumn.OperationsPerSecond);
        }
    }
}
