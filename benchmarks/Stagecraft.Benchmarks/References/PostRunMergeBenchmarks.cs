using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Stagecraft.IO;
using Stagecraft.References;

namespace Stagecraft.Benchmarks.References;

/// <summary>
/// Post-run merge of 4 shards × 2,500 files (1–64 KiB, overlapping picks) into a local cache of 10,000 files, against a
/// lower bound measured in the same run: reading the same picked objects and writing each with plain temp + rename into
/// the same cache (no lock, no manifest, no staging tree, no old-tree removal, no mtime). Both use 8-way parallelism.
/// Operations are files (<see cref="MergeDataset.Picks"/> per invocation), so Op/s is files/s.
/// </summary>
[Config(typeof(Config))]
public class PostRunMergeBenchmarks
{
    private const int Parallelism = 8;

    // ~650 MB, generated once per process and shared by every case (the job runs in process).
    private static readonly Lazy<MergeDataset> Data = new(() => MergeDataset.CreateAsync().GetAwaiter().GetResult());

    private MergeDataset _data = null!;
    private string _work = "";
    private int _iteration;

    /// <summary>Durability off (atomic against crashes only) or on (every file fsynced before it goes live).</summary>
    [Params(false, true)]
    public bool Durable { get; set; }

    /// <summary>Synchronous: the in-process toolchain does not await an async global setup.</summary>
    [GlobalSetup]
    public void Setup() => _data = Data.Value;

    /// <summary>A fresh cache per iteration: a hard-linked copy of the pristine 10,000-file cache (no bytes copied).</summary>
    [IterationSetup]
    public void ResetCache()
    {
        if (_work.Length > 0 && Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }

        _work = _data.NewWorkDirectory(_iteration++);
        HardLinks.CopyTree(_data.Pristine, _work);
    }

    /// <summary>The floor: read each picked object and write it with temp + rename (+ fsync when durable). Nothing else.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = MergeDataset.Picks)]
    public Task LowerBound_TempAndRename() =>
        Parallel.ForEachAsync(_data.PickList, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (pick, ct) =>
        {
            var target = Path.Combine(_work, pick.LocalPath);
            var temp = target + ".tmp";
            var read = await _data.Storage.GetAsync(pick.ObjectKey, null, ct);
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
    [Benchmark(OperationsPerInvoke = MergeDataset.Picks)]
    public async Task<int> PostRunMerge()
    {
        var merger = new PostRunMerger(_data.Storage, new PostRunMergerOptions
        {
            Durability = Durable ? Durability.File : Durability.None,
            MaxParallelism = Parallelism,
            PersistReport = false,
        });
        var report = await merger.MergeAsync(MergeDataset.RunId, MergeDataset.Kind, _work);
        var files = report.MergedKeys.Sum(m => m.FileCount);
        return files == MergeDataset.Picks ? files : throw new InvalidOperationException($"The merge wrote {files} files, expected {MergeDataset.Picks}.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_work.Length > 0 && Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    /// <summary>A short job (the machine is shared): 1 warm-up and 5 measured iterations of one invocation each, in process.</summary>
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // In process: the per-benchmark project build times out on the loaded shared machine, and the data set is built once.
            AddJob(Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(1)
                .WithIterationCount(5)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(1), logOutput: true)));
            AddColumn(StatisticColumn.OperationsPerSecond);
        }
    }
}
