using System.Globalization;
using System.Text;
using Stagecraft.IO;
using Stagecraft.Local.Storage;
using Stagecraft.References;
using Stagecraft.Runs;
using Stagecraft.Storage.Transfers;

namespace Stagecraft.Benchmarks.References;

/// <summary>
/// The post-run merge data set: 10 keys; locally 1,000 files per key (<c>d{i%10}/f{i}.bin</c>, 1–64 KiB) plus an older
/// marker; in storage 4 shards × 250 files per key taken from a pool of 600 paths (shard s takes paths
/// s·150 … s·150+249 mod 600), so shards overlap, the picks are the 600 pool paths per key plus the marker, 400 local
/// files per key are stale, and the cloud marker wins every key.
/// </summary>
internal sealed class MergeDataset
{
    /// <summary>Files written per merge: 10 keys × (600 picks + marker).</summary>
    public const int Picks = Keys * PoolPerKey + Keys;

    public const string RunId = "bench-run";
    public const string Kind = "otf";

    private const int Keys = 10;
    private const int LocalFilesPerKey = 1000;
    private const int PoolPerKey = 600;
    private const int Shards = 4;
    private const int FilesPerShardPerKey = 250;

    private MergeDataset(string directory, LocalObjectStorage storage)
    {
        Directory = directory;
        Pristine = Path.Combine(directory, "pristine");
        Storage = storage;
    }

    public string Directory { get; }

    public string Pristine { get; }

    public LocalObjectStorage Storage { get; }

    /// <summary>The winning object of every picked file and where it lands (relative to the cache).</summary>
    public List<(string ObjectKey, string LocalPath)> PickList { get; } = [];

    public string NewWorkDirectory(int iteration) => Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"work-{iteration}"));

    public static async Task<MergeDataset> CreateAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"stagecraft-bench-merge-{Environment.ProcessId}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.Directory.Delete(directory, recursive: true);
        var data = new MergeDataset(directory, new LocalObjectStorage(Path.Combine(directory, "storage"), new LocalObjectStorageOptions { Durability = Durability.None }));
        var random = new Random(42);
        var buffer = new byte[64 * 1024];
        var old = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        for (var k = 0; k < Keys; k++)
        {
            var keyDir = Path.Combine(data.Pristine, Key(k));
            for (var i = 0; i < LocalFilesPerKey; i++)
            {
                var path = Path.Combine(keyDir, RelativePath(i));
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                random.NextBytes(buffer);
                await File.WriteAllBytesAsync(path, buffer.AsMemory(0, random.Next(1024, (64 * 1024) + 1)));
                File.SetLastWriteTimeUtc(path, old);
            }

            await File.WriteAllTextAsync(Path.Combine(keyDir, ReferenceFileNames.Marker), "local-" + Key(k));
            File.SetLastWriteTimeUtc(Path.Combine(keyDir, ReferenceFileNames.Marker), old);
        }

        var paths = new ReferencePaths(RunId);
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
                    await data.PutAsync(prefix + RelativePath(i), buffer.AsMemory(0, random.Next(1024, (64 * 1024) + 1)));
                    sidecar.Append(CultureInfo.InvariantCulture, $"\"{RelativePath(i)}\":\"{TransferMetadata.FormatLastWriteTime(mtime)}\",");
                    // Newest source time wins; on a tie the greater shard name, which is the later shard here.
                    if (!winners.TryGetValue((k, i), out var best) || mtime >= best.Mtime)
                    {
                        winners[(k, i)] = (prefix + RelativePath(i), mtime);
                    }
                }

                var markerTime = cloud.AddHours(1).AddMinutes(s); // the last shard's marker is the newest
                await data.PutAsync(prefix + ReferenceFileNames.Marker, Encoding.UTF8.GetBytes("cloud-" + Key(k)));
                sidecar.Append(CultureInfo.InvariantCulture, $"\"{ReferenceFileNames.Marker}\":\"{TransferMetadata.FormatLastWriteTime(markerTime)}\"}}");
                await data.PutAsync(prefix + ReferenceFileNames.SourceMtimes, Encoding.UTF8.GetBytes(sidecar.ToString()));
                await data.PutAsync(prefix + ReferenceFileNames.UploadComplete, "{}"u8.ToArray());
                winners[(k, -1)] = (prefix + ReferenceFileNames.Marker, markerTime);
            }
        }

        foreach (var ((k, i), (objectKey, _)) in winners)
        {
            data.PickList.Add((objectKey, Path.Combine(Key(k), i < 0 ? ReferenceFileNames.Marker : RelativePath(i))));
        }

        return data.PickList.Count == Picks ? data : throw new InvalidOperationException($"Expected {Picks} picks, planned {data.PickList.Count}.");
    }

    private static string Key(int k) => string.Create(CultureInfo.InvariantCulture, $"db{k:D2}");

    private static string RelativePath(int i) => string.Create(CultureInfo.InvariantCulture, $"d{i % 10}/f{i:D4}.bin");

    private Task PutAsync(string key, ReadOnlyMemory<byte> content) =>
        Storage.PutAsync(key, new MemoryStream(content.ToArray(), writable: false));
}
