using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Stagecraft.Fingerprinting;

namespace Stagecraft.Benchmarks.Fingerprinting;

/// <summary>
/// TreeFingerprint on a tree in the page cache vs SHA-256 of the same number of bytes in memory.
/// Target: at least 75% of (cores x single-core throughput), i.e. Ratio (vs the single-core baseline)
/// at most 1 / (0.75 x cores). The parallel in-memory row shows what the machine actually delivered
/// with all cores in the same run (the machine is shared).
/// </summary>
/// <remarks>
/// Tree size: STAGECRAFT_BENCH_TREE_FILES (default 10,000) files of STAGECRAFT_BENCH_TREE_FILE_KIB
/// (default 100) KiB, about 1 GiB; scale down both for a quick run.
/// </remarks>
public class TreeFingerprintBenchmarks
{
    private const int ChunkSize = 256 * 1024;

    private byte[] _memory = null!;
    private string _root = null!;
    private long _totalBytes;

    private static int Files => EnvInt("STAGECRAFT_BENCH_TREE_FILES", 10_000);

    private static int FileSize => EnvInt("STAGECRAFT_BENCH_TREE_FILE_KIB", 100) * 1024;

    [GlobalSetup(Targets = [nameof(SingleCoreInMemorySha256), nameof(AllCoresInMemorySha256)])]
    public void SetupMemory()
    {
        _totalBytes = (long)Files * FileSize;
        _memory = new byte[64 * 1024 * 1024];
        Random.Shared.NextBytes(_memory);
    }

    [GlobalSetup(Target = nameof(TreeFingerprintComputeAsync))]
    public void SetupTree()
    {
        var (files, fileSize) = (Files, FileSize);
        _totalBytes = (long)files * fileSize;
        _root = Path.Combine(Path.GetTempPath(), $"stagecraft-bench-tree-{Guid.NewGuid():N}");
        var content = new byte[fileSize];
        for (var i = 0; i < files; i++)
        {
            var dir = Path.Combine(_root, $"d{i % 100:D3}");
            Directory.CreateDirectory(dir);
            Random.Shared.NextBytes(content);
            File.WriteAllBytes(Path.Combine(dir, $"f{i:D5}.bin"), content);
        }

        // Warm the page cache once so every iteration reads from memory.
        _ = TreeFingerprint.ComputeAsync(_root).GetAwaiter().GetResult();
        Console.WriteLine($"// tree: {files} files x {fileSize / 1024} KiB = {_totalBytes / (1024 * 1024)} MiB, {Environment.ProcessorCount} cores");
    }

    [GlobalCleanup(Target = nameof(TreeFingerprintComputeAsync))]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    /// <summary>One core hashing the tree's byte count from memory, in the same chunk size.</summary>
    [Benchmark(Baseline = true)]
    public byte[] SingleCoreInMemorySha256() => HashBytes(_totalBytes);

    /// <summary>All cores hashing the tree's byte count from memory: the best the machine gives right now.</summary>
    [Benchmark]
    public byte[][] AllCoresInMemorySha256()
    {
        var cores = Environment.ProcessorCount;
        var share = _totalBytes / cores;
        var results = new byte[cores][];
        Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, i => results[i] = HashBytes(share));
        return results;
    }

    [Benchmark]
    public Task<string> TreeFingerprintComputeAsync() => TreeFingerprint.ComputeAsync(_root);

    private byte[] HashBytes(long count)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long done = 0;
        var offset = 0;
        while (done < count)
        {
            var n = (int)Math.Min(ChunkSize, count - done);
            if (offset + n > _memory.Length)
            {
                offset = 0;
            }

            sha.AppendData(_memory, offset, n);
            offset += n;
            done += n;
        }

        return sha.GetHashAndReset();
    }

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) && value > 0 ? value : fallback;
}
