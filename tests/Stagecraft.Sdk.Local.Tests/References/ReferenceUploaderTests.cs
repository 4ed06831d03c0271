using System.Collections.Concurrent;
using System.Text;
using Stagecraft.References;
using Stagecraft.Storage;
using Stagecraft.Storage.Transfers;
using Stagecraft.TestChild;
using Stagecraft.Testing.Contracts;
using static Stagecraft.Sdk.Local.Tests.References.ReferenceBed;

namespace Stagecraft.Sdk.Local.Tests.References;

/// <summary>ReferenceUploader (worker side of upload-back) and the seed snapshot it measures eligibility against.</summary>
public class ReferenceUploaderTests
{
    private const string Shard = "worker-7-4242";

    [Fact]
    public async Task Changed_keys_are_uploaded_content_first_then_the_sidecar_then_upload_complete_last()
    {
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Worker, "db", "built-in-cloud", T(30));
        var recording = new RecordingStorage(bed.Storage);
        var uploader = new ReferenceUploader(recording, bed.Worker, RunId, Kind, ReferenceSeedSnapshot.Empty, new ReferenceUploaderOptions { Shard = Shard });

        var result = await uploader.UploadChangedAsync();

        var uploaded = Assert.Single(result.Uploaded);
        var slice = bed.Paths.PostRun(Kind, Shard, "db");
        Assert.Equal(("db", "built-in-cloud", slice), (uploaded.Key, uploaded.Fingerprint, uploaded.Prefix));
        var puts = recording.Puts.ToList();
        Assert.Equal(slice + ReferenceFileNames.UploadComplete, puts[^1]);
        Assert.Equal(slice + ReferenceFileNames.SourceMtimes, puts[^2]);
        Assert.Equal(uploaded.FileCount, puts.Count - 2);
        Assert.Contains(slice + ReferenceFileNames.Marker, puts[..^2]);
        Assert.Empty(result.Failed);
    }

    [Fact]
    public async Task The_sidecar_maps_every_uploaded_file_to_its_source_mtime()
    {
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Worker, "db", "fp", T(30), fileTime: T(20));
        var uploader = new ReferenceUploader(bed.Storage, bed.Worker, RunId, Kind, ReferenceSeedSnapshot.Empty, new ReferenceUploaderOptions { Shard = Shard });

        await uploader.UploadChangedAsync();

        var json = Encoding.UTF8.GetString((await bed.TryReadAsync(bed.Paths.PostRun(Kind, Shard, "db") + ReferenceFileNames.SourceMtimes))!);
        var local = Snapshot(Path.Combine(bed.Worker, "db"));
        foreach (var (path, (_, mtime)) in local)
        {
            Assert.Contains($"\"{path}\": \"{mtime:O}\"", json, StringComparison.Ordinal);
        }

        Assert.Contains("\"_reference_fp.txt\": \"2026-01-01T00:30:00.0000000Z\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_whose_marker_equals_the_seed_are_not_uploaded()
    {
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Worker, "seeded", "seed-fp", T(1));
        await BuildAsync(bed.Worker, "rebuilt", "new-fp", T(2));
        var seed = new ReferenceSeedSnapshot(new Dictionary<string, string> { ["seeded"] = "seed-fp", ["rebuilt"] = "old-fp" });
        var uploader = new ReferenceUploader(bed.Storage, bed.Worker, RunId, Kind, seed, new ReferenceUploaderOptions { Shard = Shard });

        var result = await uploader.UploadChangedAsync();

        Assert.Equal(["rebuilt"], result.Uploaded.Select(u => u.Key));
        Assert.Equal(["seeded"], result.Unchanged);
        Assert.Null(await bed.Storage.StatAsync(bed.Paths.PostRun(Kind, Shard, "seeded") + ReferenceFileNames.UploadComplete));
    }

    [Fact]
    public async Task A_worker_uploads_a_fingerprint_once_and_again_only_after_a_rebuild()
    {
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Worker, "db", "v1", T(1));
        var recording = new RecordingStorage(bed.Storage);
        var uploader = new ReferenceUploader(recording, bed.Worker, RunId, Kind, ReferenceSeedSnapshot.Empty, new ReferenceUploaderOptions { Shard = Shard });

        Assert.Single((await uploader.UploadChangedAsync()).Uploaded);
        Assert.Empty((await uploader.UploadChangedAsync()).Uploaded);

        await BuildAsync(bed.Worker, "db", "v2", T(2));
        recording.Clear();
        var again = await uploader.UploadChangedAsync();

        Assert.Equal("v2", Assert.Single(again.Uploaded).Fingerprint);
        var slice = bed.Paths.PostRun(Kind, Shard, "db");
        Assert.Equal(slice + ReferenceFileNames.UploadComplete, recording.Deletes.First()); // the old completion marker goes first
        var report = await bed.MergeAsync();
        Assert.Equal("v2", Assert.Single(report.MergedKeys).Fingerprint);
        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Laptop, "db"), "v2");
    }

    [Fact]
    public async Task Bug_failed_upload_is_lost_a_failed_upload_stays_eligible_and_succeeds_on_the_next_task()
    {
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Worker, "db", "fp", T(1));
        var flaky = new FailingStorage(bed.Storage) { FailPuts = true };
        var uploader = new ReferenceUploader(flaky, bed.Worker, RunId, Kind, ReferenceSeedSnapshot.Empty, new ReferenceUploaderOptions { Shard = Shard });

        var first = await uploader.UploadChangedAsync(); // never throws into the task

        Assert.Equal("db", Assert.Single(first.Failed).Key);
        Assert.Empty(first.Uploaded);
        Assert.Null(await bed.Storage.StatAsync(bed.Paths.PostRun(Kind, Shard, "db") + ReferenceFileNames.UploadComplete));

        flaky.FailPuts = false;
        var second = await uploader.UploadChangedAsync();

        Assert.Equal("db", Assert.Single(second.Uploaded).Key);
        Assert.Single((await bed.MergeAsync()).MergedKeys);
    }

    [Fact]
    public async Task A_storage_outage_never_throws_into_the_task()
    {
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Worker, "a", "fp", T(1));
        await BuildAsync(bed.Worker, "b", "fp", T(1));
        var down = new FailingStorage(bed.Storage) { FailPuts = true, FailDeletes = true, FailLists = true };
        var uploader = new ReferenceUploader(down, bed.Worker, RunId, Kind, ReferenceSeedSnapshot.Empty, new ReferenceUploaderOptions { Shard = Shard });

        var result = await uploader.UploadChangedAsync();

        Assert.Equal(["a", "b"], result.Failed.Select(f => f.Key));
    }

    [Fact]
    public async Task Bug_replacement_worker_trusted_the_shared_disk_it_uploads_a_peers_build_found_on_disk()
    {
        // Seed round 3: the replacement actor snapshotted "seed" fingerprints from the VM's shared disk, saw the dead
        // peer's fresh build there, took it for seed content and never uploaded it: the only copy was lost.
        using var bed = new ReferenceBed();
        var seedPrefix = bed.Paths.ReferenceSeed(Kind);
        await BuildAsync(bed.Laptop, "db_a", "seed-a", T(1));
        await bed.Storage.UploadDirectoryAsync(Path.Combine(bed.Laptop, "db_a"), seedPrefix + "db_a/");
        await BuildAsync(bed.Worker, "db_a", "seed-a", T(1));    // installed from the seed
        await BuildAsync(bed.Worker, "db_b", "peer-built", T(5)); // built by the peer that died before its upload-back

        var seed = await ReferenceSeedSnapshot.ReadAsync(bed.Storage, seedPrefix);
        var replacement = new ReferenceUploader(bed.Storage, bed.Worker, RunId, Kind, seed, new ReferenceUploaderOptions { Shard = "worker-7-5151" });
        var result = await replacement.UploadChangedAsync();

        Assert.Equal(new Dictionary<string, string> { ["db_a"] = "seed-a" }, seed.Fingerprints);
        Assert.Equal(["db_b"], result.Uploaded.Select(u => u.Key));
        var report = await bed.MergeAsync();
        Assert.Equal("db_b", Assert.Single(report.MergedKeys).Key);
        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Laptop, "db_b"), "peer-built");
    }

    [Fact]
    public async Task The_seed_snapshot_of_an_empty_prefix_is_empty()
    {
        using var bed = new ReferenceBed();
        var seed = await ReferenceSeedSnapshot.ReadAsync(bed.Storage, bed.Paths.ReferenceSeed(Kind));
        Assert.Empty(seed.Fingerprints);
    }

    [Fact]
    public async Task The_seed_snapshot_holds_every_marked_key_and_leaves_out_unmarked_invalid_and_oversized_ones()
    {
        using var bed = new ReferenceBed();
        var seed = bed.Paths.ReferenceSeed(Kind);
        var expected = new Dictionary<string, string>();
        for (var k = 0; k < 40; k++)
        {
            expected["db" + k] = "fp-" + k;
            await PutAsync(bed, seed + "db" + k + "/" + ReferenceFileNames.Marker, "fp-" + k + "\n");
            await PutAsync(bed, seed + "db" + k + "/data.bin", "content");
        }

        await PutAsync(bed, seed + "unmarked/data.bin", "content");
        await PutAsync(bed, seed + "blank/" + ReferenceFileNames.Marker, "   ");
        await PutAsync(bed, seed + "huge/" + ReferenceFileNames.Marker, new string('x', ReferenceFingerprint.MaxMarkerFileBytes + 1));

        var snapshot = await ReferenceSeedSnapshot.ReadAsync(bed.Storage, seed);

        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), snapshot.Fingerprints.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    private static async Task PutAsync(ReferenceBed bed, string key, string text)
    {
        using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        await bed.Storage.PutAsync(key, content);
    }

    [Fact]
    public async Task A_tree_with_a_symbolic_link_is_not_uploaded_and_never_looks_complete()
    {
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Worker, "db", "fp", T(1));
        File.CreateSymbolicLink(Path.Combine(bed.Worker, "db", "link"), "/etc/hostname");
        var uploader = new ReferenceUploader(bed.Storage, bed.Worker, RunId, Kind, ReferenceSeedSnapshot.Empty, new ReferenceUploaderOptions { Shard = Shard });

        var result = await uploader.UploadChangedAsync();

        Assert.Contains("symbolic link", Assert.Single(result.Failed).Error, StringComparison.Ordinal);
        Assert.Null(await bed.Storage.StatAsync(bed.Paths.PostRun(Kind, Shard, "db") + ReferenceFileNames.UploadComplete));
    }

    [Fact]
    public async Task Markerless_scrap_on_the_worker_is_never_uploaded()
    {
        using var bed = new ReferenceBed();
        Directory.CreateDirectory(Path.Combine(bed.Worker, "scrap"));
        File.WriteAllText(Path.Combine(bed.Worker, "scrap", "half.bin"), "x");
        var uploader = new ReferenceUploader(bed.Storage, bed.Worker, RunId, Kind, ReferenceSeedSnapshot.Empty, new ReferenceUploaderOptions { Shard = Shard });

        var result = await uploader.UploadChangedAsync();

        Assert.Empty(result.Uploaded);
        Assert.Empty(result.Failed);
        await foreach (var entry in bed.Storage.ListAsync(bed.Paths.PostRunPrefix))
        {
            Assert.Fail($"nothing may be uploaded, found {entry.Object?.Key}");
        }
    }

    [Fact]
    public void The_default_shard_is_host_dash_pid()
    {
        Assert.Equal(ReferenceShard.For(Environment.MachineName, Environment.ProcessId), ReferenceShard.ForCurrentProcess());
        Assert.EndsWith("-" + Environment.ProcessId, ReferenceShard.ForCurrentProcess(), StringComparison.Ordinal);
        Assert.Equal("my_host.local-42", ReferenceShard.For("my host.local", 42));
        using var bed = new ReferenceBed();
        Assert.Equal(ReferenceShard.ForCurrentProcess(), new ReferenceUploader(bed.Storage, bed.Worker, RunId, Kind, ReferenceSeedSnapshot.Empty).Shard);
    }

    private sealed class RecordingStorage(IObjectStorage inner) : ObjectStorageDecorator(inner)
    {
        private readonly ConcurrentQueue<string> _puts = new();
        private readonly ConcurrentQueue<string> _deletes = new();

        public IEnumerable<string> Puts => _puts;

        public IEnumerable<string> Deletes => _deletes;

        public void Clear()
        {
            _puts.Clear();
            _deletes.Clear();
        }

        public override async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            var info = await base.PutAsync(key, content, options, cancellationToken);
            _puts.Enqueue(key); // recorded when it completed: the order storage saw
            return info;
        }

        public override Task<bool> DeleteAsync(string key, DeleteObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            _deletes.Enqueue(key);
            return base.DeleteAsync(key, options, cancellationToken);
        }
    }

    private sealed class FailingStorage(IObjectStorage inner) : ObjectStorageDecorator(inner)
    {
        public bool FailPuts { get; set; }

        public bool FailDeletes { get; set; }

        public bool FailLists { get; set; }

        public override Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default) =>
            FailPuts ? throw new StorageException("injected: storage is down") : base.PutAsync(key, content, options, cancellationToken);

        public override Task<bool> DeleteAsync(string key, DeleteObjectOptions? options = null, CancellationToken cancellationToken = default) =>
            FailDeletes ? throw new StorageException("injected: storage is down") : base.DeleteAsync(key, options, cancellationToken);

        public override IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, CancellationToken cancellationToken = default) =>
            FailLists ? throw new StorageException("injected: storage is down") : base.ListAsync(prefix, options, cancellationToken);
    }
}
