using System.Text;
using Stagecraft.IO;
using Stagecraft.Local.Storage;
using Stagecraft.References;
using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.Storage.Transfers;
using Stagecraft.TestChild;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.References;

/// <summary>
/// A test bed for seeding, upload-back and merge: a temp directory with a <see cref="LocalObjectStorage"/>, a laptop
/// reference root and a worker reference root, plus builders for hand-made key slices (to put exactly the broken
/// shapes the seed's bugs came from into storage).
/// </summary>
internal sealed class ReferenceBed : IDisposable
{
    public const string RunId = "run-1";
    public const string Kind = "otf";

    public ReferenceBed()
    {
        Dir = new TempDirectory("refbed");
        StorageDirectory = Dir.Combine("storage");
        Storage = new LocalObjectStorage(StorageDirectory, new LocalObjectStorageOptions { Durability = Durability.None });
        Laptop = Dir.Combine("laptop");
        Worker = Dir.Combine("worker");
        Directory.CreateDirectory(Laptop);
    }

    public TempDirectory Dir { get; }

    public string StorageDirectory { get; }

    public LocalObjectStorage Storage { get; }

    /// <summary>The laptop's reference root (the merge target).</summary>
    public string Laptop { get; }

    /// <summary>A worker VM's shared reference root.</summary>
    public string Worker { get; }

    public ReferencePaths Paths { get; } = new(RunId);

    public static ReferenceStoreOptions FastStore { get; } = new() { Durability = Durability.None };

    public static PostRunMergerOptions FastMerge { get; } = new() { Durability = Durability.None };

    /// <summary>A fixed point in time plus <paramref name="minutes"/> (UTC): readable, ordered source times.</summary>
    public static DateTime T(int minutes) => new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(minutes);

    public PostRunMerger Merger(PostRunMergerOptions? options = null) => new(Storage, options ?? FastMerge);

    public Task<MergeReport> MergeAsync() => Merger().MergeAsync(RunId, Kind, Laptop);

    /// <summary>
    /// Puts a key slice the way <see cref="ReferenceUploader"/> would (content, sidecar, completion marker), or a broken
    /// variant: <paramref name="complete"/>/<paramref name="sidecar"/> false leave those out; <paramref name="sidecarOverride"/>
    /// replaces the sidecar's entries (path → time text).
    /// </summary>
    public async Task PutSliceAsync(
        string shard,
        string key,
        IEnumerable<(string Path, string Content, DateTime Mtime)> files,
        bool complete = true,
        bool sidecar = true,
        IReadOnlyDictionary<string, string>? sidecarOverride = null,
        string runId = RunId)
    {
        var prefix = new ReferencePaths(runId).PostRun(Kind, shard, key);
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, content, mtime) in files)
        {
            await PutAsync(prefix + path, Encoding.Latin1.GetBytes(content));
            map[path] = TransferMetadata.FormatLastWriteTime(mtime);
        }

        if (sidecar)
        {
            var entries = sidecarOverride ?? map;
            var json = "{" + string.Join(",", entries.Select(e => $"\"{Escape(e.Key)}\":\"{e.Value}\"")) + "}";
            await PutAsync(prefix + ReferenceFileNames.SourceMtimes, Encoding.UTF8.GetBytes(json));
        }

        if (complete)
        {
            await PutAsync(prefix + ReferenceFileNames.UploadComplete, "{}"u8.ToArray());
        }
    }

    /// <summary>Puts a complete slice holding the test tree of <paramref name="fingerprint"/> (see <see cref="ReferenceTreeContent"/>).</summary>
    public Task PutTreeSliceAsync(string shard, string key, string fingerprint, DateTime markerTime, DateTime? fileTime = null, bool complete = true, string runId = RunId) =>
        PutSliceAsync(shard, key, TreeFiles(fingerprint, markerTime, fileTime ?? markerTime), complete, runId: runId);

    public static IEnumerable<(string Path, string Content, DateTime Mtime)> TreeFiles(string fingerprint, DateTime markerTime, DateTime fileTime) =>
        ReferenceTreeContent.Files(fingerprint)
            .Select(f => (f.RelativePath, Encoding.Latin1.GetString(f.Content), fileTime))
            .Append((ReferenceFileNames.Marker, fingerprint, markerTime));

    /// <summary>Builds <paramref name="key"/> in <paramref name="root"/> with the test tree of <paramref name="fingerprint"/>, its marker dated <paramref name="markerTime"/>.</summary>
    public static async Task BuildAsync(string root, string key, string fingerprint, DateTime markerTime, DateTime? fileTime = null)
    {
        await new ReferenceStore(root, FastStore).EnsureAsync(key, fingerprint, (d, ct) => ReferenceTreeContent.WriteAsync(d.FullName, fingerprint, ct), force: true);
        var dir = Path.Combine(root, key);
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, fileTime ?? markerTime);
        }

        File.SetLastWriteTimeUtc(Path.Combine(dir, ReferenceFileNames.Marker), markerTime);
    }

    public async Task PutAsync(string key, byte[] content)
    {
        using var stream = new MemoryStream(content);
        await Storage.PutAsync(key, stream);
    }

    public async Task<byte[]?> TryReadAsync(string key)
    {
        if (await Storage.StatAsync(key) is null)
        {
            return null;
        }

        await using var read = await Storage.GetAsync(key);
        using var buffer = new MemoryStream();
        await read.Content.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>Every file under <paramref name="directory"/>: relative path → (content, mtime).</summary>
    public static SortedDictionary<string, (string Content, DateTime Mtime)> Snapshot(string directory)
    {
        var result = new SortedDictionary<string, (string, DateTime)>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            result[Path.GetRelativePath(directory, file).Replace('\\', '/')] = (File.ReadAllText(file, Encoding.Latin1), File.GetLastWriteTimeUtc(file));
        }

        return result;
    }

    public void Dispose() => Dir.Dispose();

    /// <summary>The one-key run crash-test children merge first, so their kill window falls in warm (JIT-compiled) code.</summary>
    public const string WarmupRunId = "warmup";

    public Task PutWarmupRunAsync() => PutTreeSliceAsync("h-0", "warm", "warm", T(1), runId: WarmupRunId);

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
