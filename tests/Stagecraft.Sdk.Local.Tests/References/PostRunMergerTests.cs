using System.Text;
using Stagecraft.References;
using Stagecraft.Storage;
using Stagecraft.TestChild;
using Stagecraft.Testing;
using Stagecraft.Testing.Contracts;
using static Stagecraft.Sdk.Local.Tests.References.ReferenceBed;

namespace Stagecraft.Sdk.Local.Tests.References;

/// <summary>
/// PostRunMerger: rules 5, 6 and 7, and a regression test per merge bug of the seed's seven review rounds (named after the bug).
/// </summary>
public class PostRunMergerTests
{
    [Fact]
    public async Task Cloud_tree_is_installed_when_there_is_no_local_reference()
    {
        using var bed = new ReferenceBed();
        await bed.PutTreeSliceAsync("h-1", "db", "cloud", T(10), T(9));

        var report = await bed.MergeAsync();

        var merged = Assert.Single(report.MergedKeys);
        Assert.Equal(("db", "cloud"), (merged.Key, merged.Fingerprint));
        Assert.Equal(["h-1"], merged.Shards);
        Assert.Equal(ReferenceTreeContent.Files("cloud").Count() + 1, merged.FileCount);
        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Laptop, "db"), "cloud");
        Assert.Equal(1, report.SlicesRead);
        Assert.Empty(report.SkippedKeys);
        Assert.Empty(report.IgnoredShards);
    }

    [Theory]
    [InlineData(Stagecraft.IO.Durability.File)]
    [InlineData(Stagecraft.IO.Durability.FileAndDirectory)]
    public async Task A_durable_merge_installs_the_same_tree(Stagecraft.IO.Durability durability)
    {
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Laptop, "db", "local", T(1));
        await bed.PutTreeSliceAsync("h-1", "db", "cloud", T(10), T(9));

        var report = await bed.Merger(new PostRunMergerOptions { Durability = durability }).MergeAsync(RunId, Kind, bed.Laptop);

        Assert.Single(report.MergedKeys);
        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Laptop, "db"), "cloud");
        Assert.All(Snapshot(Path.Combine(bed.Laptop, "db")), f => Assert.Equal(f.Key == ReferenceFileNames.Marker ? T(10) : T(9), f.Value.Mtime));
    }

    [Fact]
    public async Task Bug_mtime_lost_on_replace_every_replaced_file_keeps_its_source_mtime()
    {
        // Seed round 1: os.replace of a fresh temp file gave the target the fetch time, not the source's.
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Laptop, "db", "local", T(1));
        await bed.PutSliceAsync("h-1", "db", [("models/x.yaml", "X", T(20)), ("y.yaml", "Y", T(21)), (ReferenceFileNames.Marker, "cloud", T(22))]);

        await bed.MergeAsync();

        var files = Snapshot(Path.Combine(bed.Laptop, "db"));
        Assert.Equal(T(20), files["models/x.yaml"].Mtime);
        Assert.Equal(T(21), files["y.yaml"].Mtime);
        Assert.Equal(T(22), files[ReferenceFileNames.Marker].Mtime);
    }

    [Fact]
    public async Task Bug_mtime_lost_on_replace_a_second_fetch_of_a_newer_cloud_reference_is_not_skipped()
    {
        // With the fetch time on the local marker, the next run's genuinely newer cloud reference looked older and was skipped.
        using var bed = new ReferenceBed();
        await bed.PutTreeSliceAsync("h-1", "db", "first", T(10));
        Assert.Single((await bed.MergeAsync()).MergedKeys);

        using var secondRun = new ReferenceBed();
        await secondRun.PutTreeSliceAsync("h-9", "db", "second", T(30));
        var report = await secondRun.Merger().MergeAsync(RunId, Kind, bed.Laptop);

        Assert.Equal("second", Assert.Single(report.MergedKeys).Fingerprint);
        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Laptop, "db"), "second");
    }

    [Fact]
    public async Task Bug_marker_downgraded_when_the_cloud_lost_an_older_cloud_marker_leaves_the_local_reference_untouched()
    {
        // Seed round 2: the local marker was unlinked first, then its mtime read as 0, so an older cloud marker always won.
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Laptop, "db", "local-new", T(50));
        var before = Snapshot(Path.Combine(bed.Laptop, "db"));
        await bed.PutTreeSliceAsync("h-1", "db", "cloud-old", T(10));

        var report = await bed.MergeAsync();

        Assert.Empty(report.MergedKeys);
        Assert.Equal(MergeSkipCode.LocalIsNewer, Assert.Single(report.SkippedKeys).Code);
        Assert.Equal(before, Snapshot(Path.Combine(bed.Laptop, "db")));
    }

    [Fact]
    public async Task Bug_mixed_fingerprint_tree_when_the_cloud_marker_loses_no_file_is_touched_even_if_cloud_content_is_newer()
    {
        // Seed round 5: files and marker were decided independently, so newer cloud files landed under the local marker.
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Laptop, "db", "local", T(50), fileTime: T(5));
        var before = Snapshot(Path.Combine(bed.Laptop, "db"));
        var cloud = TreeFiles("cloud", T(40), T(99)).ToList(); // every cloud file is newer than every local file
        await bed.PutSliceAsync("h-1", "db", cloud);

        var report = await bed.MergeAsync();

        Assert.Equal(MergeSkipCode.LocalIsNewer, Assert.Single(report.SkippedKeys).Code);
        Assert.Equal(before, Snapshot(Path.Combine(bed.Laptop, "db")));
    }

    [Fact]
    public async Task Bug_mixed_fingerprint_tree_when_the_cloud_marker_wins_every_file_is_replaced_even_if_a_local_file_is_newer()
    {
        // Seed round 5, other half: a deceptively recent local file (touched by hand) must not survive under the new marker.
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Laptop, "db", "local", T(10), fileTime: T(500));
        await bed.PutSliceAsync("h-1", "db", TreeFiles("cloud", T(20), T(1)));

        var report = await bed.MergeAsync();

        Assert.Single(report.MergedKeys);
        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Laptop, "db"), "cloud");
    }

    [Fact]
    public async Task Bug_stale_local_files_left_under_a_new_marker_are_deleted_when_the_cloud_wins()
    {
        // Seed round 6: files present only under the old local fingerprint stayed beside the cloud's new marker.
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Laptop, "db", "local", T(1));
        File.WriteAllText(Path.Combine(bed.Laptop, "db", "legacy.yaml"), "only in the local fingerprint");
        await bed.PutSliceAsync("h-1", "db", [("current.yaml", "C", T(5)), (ReferenceFileNames.Marker, "cloud", T(6))]);

        await bed.MergeAsync();

        Assert.Equal(["_reference_fp.txt", "current.yaml"], Snapshot(Path.Combine(bed.Laptop, "db")).Keys);
    }

    [Fact]
    public async Task Bug_stale_local_files_left_under_a_new_marker_directories_they_empty_are_swept()
    {
        using var bed = new ReferenceBed();
        Directory.CreateDirectory(Path.Combine(bed.Laptop, "db", "old", "nested"));
        File.WriteAllText(Path.Combine(bed.Laptop, "db", "old", "nested", "stale.yaml"), "stale");
        File.WriteAllText(Path.Combine(bed.Laptop, "db", ReferenceFileNames.Marker), "local");
        File.SetLastWriteTimeUtc(Path.Combine(bed.Laptop, "db", ReferenceFileNames.Marker), T(1));
        await bed.PutSliceAsync("h-1", "db", [("new/kept.yaml", "K", T(5)), (ReferenceFileNames.Marker, "cloud", T(6))]);

        await bed.MergeAsync();

        Assert.False(Directory.Exists(Path.Combine(bed.Laptop, "db", "old")));
        Assert.Equal(["new"], Directory.GetDirectories(Path.Combine(bed.Laptop, "db")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Bug_report_invisible_after_fetch_the_report_is_persisted_to_the_run_directory()
    {
        // Seed round 6: the report was only returned to Python callers; the CLI dropped it.
        using var bed = new ReferenceBed();
        await bed.PutTreeSliceAsync("h-1", "good", "fp", T(5));
        await bed.PutTreeSliceAsync("h-1", "cut", "fp", T(5), complete: false);

        var report = await bed.MergeAsync();

        var persisted = PostRunMerger.DeserializeReport(await bed.TryReadAsync(bed.Paths.MergeReport) ?? throw new InvalidOperationException("no report"));
        Assert.Equal(Encoding.UTF8.GetString(PostRunMerger.SerializeReport(report)), Encoding.UTF8.GetString(PostRunMerger.SerializeReport(persisted)));
        Assert.Equal(["good"], persisted.MergedKeys.Select(m => m.Key));
        Assert.Equal(["cut"], persisted.SkippedKeys.Select(m => m.Key));
        Assert.Equal(["cut"], persisted.IgnoredShards.Select(m => m.Key));
        var json = Encoding.UTF8.GetString((await bed.TryReadAsync(bed.Paths.MergeReport))!);
        Assert.Contains("\"merged_keys\"", json, StringComparison.Ordinal);
        Assert.Contains("\"skipped_keys\"", json, StringComparison.Ordinal);
        Assert.Contains("\"ignored_shards\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rule7_Bug_partial_shards_silently_vanishing_a_key_whose_only_slice_is_partial_is_reported_as_skipped()
    {
        // Seed round 7: one actor uploaded db_a fully and died mid-upload of db_b; db_b vanished from the report.
        using var bed = new ReferenceBed();
        await bed.PutTreeSliceAsync("h-1", "db_a", "fp-a", T(5));
        await bed.PutTreeSliceAsync("h-1", "db_b", "fp-b", T(5), complete: false);

        var report = await bed.MergeAsync();

        Assert.Equal("db_a", Assert.Single(report.MergedKeys).Key);
        var skipped = Assert.Single(report.SkippedKeys);
        Assert.Equal(("db_b", MergeSkipCode.NoCompleteUpload), (skipped.Key, skipped.Code));
        Assert.Contains("h-1", skipped.Reason, StringComparison.Ordinal);
        var ignored = Assert.Single(report.IgnoredShards);
        Assert.Equal(("h-1", "db_b", IgnoredShardCode.MissingUploadComplete), (ignored.Shard, ignored.Key, ignored.Code));
        Assert.False(Directory.Exists(Path.Combine(bed.Laptop, "db_b")));
    }

    [Fact]
    public async Task Rule7_the_report_lists_merged_keys_with_file_counts_skipped_keys_and_ignored_shards_with_reasons()
    {
        using var bed = new ReferenceBed();
        await bed.PutSliceAsync("h-1", "merged", [("a", "A", T(5)), ("b/c", "C", T(5)), (ReferenceFileNames.Marker, "fp", T(6))]);
        await BuildAsync(bed.Laptop, "newer-locally", "local", T(90));
        await bed.PutTreeSliceAsync("h-1", "newer-locally", "cloud", T(10));
        await bed.PutSliceAsync("h-2", "unmarked", [("a", "A", T(5))]);
        await bed.PutTreeSliceAsync("h-2", "cut-off", "fp", T(5), complete: false);
        await bed.PutAsync(bed.Paths.PostRunShard(Kind, "h-3") + "stray", "x"u8.ToArray());
        var progress = new RecordingProgress<MergeProgress>();

        var report = await bed.Merger(FastMerge with { Progress = progress }).MergeAsync(RunId, Kind, bed.Laptop);

        Assert.Equal([("merged", 3)], report.MergedKeys.Select(m => (m.Key, m.FileCount)));
        Assert.Equal([1, 2, 3, 4], progress.Reports.Select(p => p.KeysCompleted).Order());
        Assert.All(progress.Reports, p => Assert.Equal(4, p.TotalKeys));
        Assert.Equal([("cut-off", false), ("merged", true), ("newer-locally", false), ("unmarked", false)], progress.Reports.Select(p => (p.Key, p.Merged)).Order());
        Assert.Equal(
            [("cut-off", MergeSkipCode.NoCompleteUpload), ("newer-locally", MergeSkipCode.LocalIsNewer), ("unmarked", MergeSkipCode.NoCloudMarker)],
            report.SkippedKeys.Select(s => (s.Key, s.Code)));
        Assert.All(report.SkippedKeys, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
        Assert.Equal(
            [("h-2", "cut-off", IgnoredShardCode.MissingUploadComplete), ("h-3", null, IgnoredShardCode.StrayObjects)],
            report.IgnoredShards.Select(i => (i.Shard, i.Key, i.Code)));
        Assert.All(report.IgnoredShards, i => Assert.False(string.IsNullOrWhiteSpace(i.Reason)));
        Assert.Equal(3, report.SlicesRead);
    }

    [Theory]
    [InlineData(false, true, IgnoredShardCode.MissingUploadComplete)]
    [InlineData(true, false, IgnoredShardCode.MissingSidecar)]
    public async Task Rule5_slices_without_upload_complete_or_sidecar_are_ignored_and_reported(bool complete, bool sidecar, IgnoredShardCode code)
    {
        using var bed = new ReferenceBed();
        await bed.PutSliceAsync("h-cut", "db", TreeFiles("cut", T(90), T(90)), complete, sidecar);
        await bed.PutTreeSliceAsync("h-ok", "db", "ok", T(10));

        var report = await bed.MergeAsync();

        Assert.Equal("ok", Assert.Single(report.MergedKeys).Fingerprint);
        Assert.Equal(("h-cut", "db", code), Assert.Single(report.IgnoredShards) is var i ? (i.Shard, i.Key, i.Code) : default);
        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Laptop, "db"), "ok");
    }

    [Fact]
    public async Task Rule5_per_file_the_newest_source_mtime_wins_across_complete_shards_of_the_winning_fingerprint()
    {
        using var bed = new ReferenceBed();
        await bed.PutSliceAsync("h-1", "db", [("a", "a-from-1", T(5)), ("b", "b-from-1", T(9)), ("only1", "1", T(1)), (ReferenceFileNames.Marker, "fp", T(10))]);
        await bed.PutSliceAsync("h-2", "db", [("a", "a-from-2", T(8)), ("b", "b-from-2", T(3)), ("only2", "2", T(1)), (ReferenceFileNames.Marker, "fp", T(11))]);

        var report = await bed.MergeAsync();

        Assert.Equal(["h-1", "h-2"], Assert.Single(report.MergedKeys).Shards);
        var files = Snapshot(Path.Combine(bed.Laptop, "db"));
        Assert.Equal(("a-from-2", T(8)), files["a"]);
        Assert.Equal(("b-from-1", T(9)), files["b"]);
        Assert.Equal(["_reference_fp.txt", "a", "b", "only1", "only2"], files.Keys);
        Assert.Equal(T(11), files[ReferenceFileNames.Marker].Mtime);
    }

    [Fact]
    public async Task Shards_built_for_different_fingerprints_never_mix_their_files()
    {
        // Per-file newest-wins across shards is only sound within one fingerprint: h-old's newer file must not leak in.
        using var bed = new ReferenceBed();
        await bed.PutSliceAsync("h-old", "db", [("shared", "old", T(50)), ("old-only", "old", T(50)), (ReferenceFileNames.Marker, "fp-old", T(10))]);
        await bed.PutSliceAsync("h-new", "db", [("shared", "new", T(15)), (ReferenceFileNames.Marker, "fp-new", T(20))]);

        var report = await bed.MergeAsync();

        Assert.Equal("fp-new", Assert.Single(report.MergedKeys).Fingerprint);
        Assert.Equal(["_reference_fp.txt", "shared"], Snapshot(Path.Combine(bed.Laptop, "db")).Keys);
        Assert.Equal("new", File.ReadAllText(Path.Combine(bed.Laptop, "db", "shared")));
        Assert.Equal(IgnoredShardCode.SupersededFingerprint, Assert.Single(report.IgnoredShards, i => i.Shard == "h-old").Code);
    }

    [Fact]
    public async Task Objects_not_listed_in_the_sidecar_are_not_part_of_the_slice()
    {
        // A worker's earlier, interrupted upload into the same shard can leave objects of another tree behind.
        using var bed = new ReferenceBed();
        await bed.PutAsync(bed.Paths.PostRun(Kind, "h-1", "db") + "left-by-an-earlier-attempt.bin", "stale"u8.ToArray());
        await bed.PutTreeSliceAsync("h-1", "db", "fp", T(5));

        await bed.MergeAsync();

        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Laptop, "db"), "fp");
    }

    [Fact]
    public async Task A_sidecar_listing_a_file_that_was_not_uploaded_makes_the_slice_ignored()
    {
        using var bed = new ReferenceBed();
        var sidecar = new Dictionary<string, string>
        {
            ["a"] = "2026-01-01T00:05:00.0000000Z",
            ["never-uploaded"] = "2026-01-01T00:05:00.0000000Z",
            [ReferenceFileNames.Marker] = "2026-01-01T00:06:00.0000000Z",
        };
        await bed.PutSliceAsync("h-1", "db", [("a", "A", T(5)), (ReferenceFileNames.Marker, "fp", T(6))], sidecarOverride: sidecar);

        var report = await bed.MergeAsync();

        Assert.Equal(IgnoredShardCode.MissingObject, Assert.Single(report.IgnoredShards).Code);
        Assert.Equal(MergeSkipCode.NoCompleteUpload, Assert.Single(report.SkippedKeys).Code);
        Assert.False(Directory.Exists(Path.Combine(bed.Laptop, "db")));
    }

    [Fact]
    public async Task Rule5_a_key_without_a_cloud_marker_is_skipped_with_the_reason()
    {
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Laptop, "db", "local", T(1));
        var before = Snapshot(Path.Combine(bed.Laptop, "db"));
        await bed.PutSliceAsync("h-1", "db", [("a", "A", T(50))]);

        var report = await bed.MergeAsync();

        Assert.Equal(MergeSkipCode.NoCloudMarker, Assert.Single(report.SkippedKeys).Code);
        Assert.Equal(before, Snapshot(Path.Combine(bed.Laptop, "db")));
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("../../outside/escape.txt")]
    [InlineData("sub/../../escape.txt")]
    [InlineData("/etc/escape.txt")]
    [InlineData("a\\..\\..\\escape.txt")]
    [InlineData("./a")]
    public async Task Rule6_a_path_escaping_the_key_directory_is_rejected_and_reported_and_nothing_is_written_outside_the_root(string path)
    {
        using var bed = new ReferenceBed();
        var sidecar = new Dictionary<string, string>
        {
            [path] = "2026-01-01T00:05:00.0000000Z",
            [ReferenceFileNames.Marker] = "2026-01-01T00:06:00.0000000Z",
        };
        await bed.PutSliceAsync("h-1", "db", [("a", "A", T(5)), (ReferenceFileNames.Marker, "fp", T(6))], sidecarOverride: sidecar);
        var everythingBefore = Snapshot(bed.Dir.Path).Keys.Where(k => !k.StartsWith("storage/", StringComparison.Ordinal)).ToList();

        var report = await bed.MergeAsync();

        var ignored = Assert.Single(report.IgnoredShards);
        Assert.Equal(IgnoredShardCode.UnsafePath, ignored.Code);
        Assert.Contains(path, ignored.Reason, StringComparison.Ordinal);
        Assert.Equal(MergeSkipCode.NoCompleteUpload, Assert.Single(report.SkippedKeys).Code);
        Assert.Equal(everythingBefore, Snapshot(bed.Dir.Path).Keys.Where(k => !k.StartsWith("storage/", StringComparison.Ordinal)).Where(k => !k.EndsWith(".build.lock", StringComparison.Ordinal)).ToList());
    }

    [Fact]
    public async Task Rule6_a_symbolic_link_inside_the_local_key_directory_is_never_followed()
    {
        using var bed = new ReferenceBed();
        using var outside = new TempDirectory("refoutside");
        outside.WriteFile("precious.txt", "keep");
        await BuildAsync(bed.Laptop, "db", "local", T(1));
        Directory.CreateSymbolicLink(Path.Combine(bed.Laptop, "db", "linked"), outside.Path);
        await bed.PutSliceAsync("h-1", "db", [("linked/precious.txt", "overwritten?", T(5)), ("linked/new.txt", "new", T(5)), (ReferenceFileNames.Marker, "cloud", T(6))]);

        var report = await bed.MergeAsync();

        Assert.Single(report.MergedKeys);
        Assert.Equal(["precious.txt"], Directory.GetFiles(outside.Path).Select(Path.GetFileName));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(outside.Path, "precious.txt")));
        Assert.Null(new DirectoryInfo(Path.Combine(bed.Laptop, "db", "linked")).LinkTarget);
        Assert.Equal("new", File.ReadAllText(Path.Combine(bed.Laptop, "db", "linked", "new.txt")));
    }

    [Fact]
    public async Task Rule6_a_local_key_directory_that_is_a_symbolic_link_is_skipped()
    {
        using var bed = new ReferenceBed();
        using var outside = new TempDirectory("refoutside");
        outside.WriteFile("precious.txt", "keep");
        Directory.CreateSymbolicLink(Path.Combine(bed.Laptop, "db"), outside.Path);
        await bed.PutTreeSliceAsync("h-1", "db", "cloud", T(5));

        var report = await bed.MergeAsync();

        Assert.Equal(MergeSkipCode.UnsafeLocalPath, Assert.Single(report.SkippedKeys).Code);
        Assert.Equal(["precious.txt"], Directory.GetFileSystemEntries(outside.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_local_tree_left_aside_by_a_killed_replace_is_restored_before_the_markers_are_compared()
    {
        // Otherwise the missing local marker would let an older cloud tree win: a crash-window marker downgrade.
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Laptop, "db", "local-new", T(50));
        var before = Snapshot(Path.Combine(bed.Laptop, "db"));
        var aside = Path.Combine(bed.Laptop, ".db.stagecraft-aside-0638000000000000000-00000000abcd");
        Directory.Move(Path.Combine(bed.Laptop, "db"), aside);
        await bed.PutTreeSliceAsync("h-1", "db", "cloud-old", T(10));

        var report = await bed.MergeAsync();

        Assert.Equal(MergeSkipCode.LocalIsNewer, Assert.Single(report.SkippedKeys).Code);
        Assert.Equal(before, Snapshot(Path.Combine(bed.Laptop, "db")));
        Assert.False(Directory.Exists(aside));
    }

    [Fact]
    public async Task A_download_that_fails_verification_leaves_the_local_reference_as_it_was()
    {
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Laptop, "db", "local", T(1));
        var before = Snapshot(Path.Combine(bed.Laptop, "db"));
        await bed.PutTreeSliceAsync("h-1", "db", "cloud", T(5));
        var corrupting = new TruncatingStorage(bed.Storage, keySuffix: ".bin");

        var report = await new PostRunMerger(corrupting, FastMerge).MergeAsync(RunId, Kind, bed.Laptop);

        var skipped = Assert.Single(report.SkippedKeys);
        Assert.Equal(MergeSkipCode.Failed, skipped.Code);
        Assert.Equal(before, Snapshot(Path.Combine(bed.Laptop, "db")));
        Assert.Empty(Directory.GetDirectories(bed.Laptop, ".*"));
    }

    [Fact]
    public async Task A_slice_re_uploaded_while_it_is_merged_is_not_installed_half_old_half_new()
    {
        using var bed = new ReferenceBed();
        await bed.PutTreeSliceAsync("h-1", "db", "cloud", T(5));
        var reuploading = new ReuploadOnFirstContentRead(bed.Storage, bed.Paths.PostRun(Kind, "h-1", "db") + ReferenceFileNames.UploadComplete);

        var report = await new PostRunMerger(reuploading, FastMerge).MergeAsync(RunId, Kind, bed.Laptop);

        var skipped = Assert.Single(report.SkippedKeys);
        Assert.Equal(MergeSkipCode.Failed, skipped.Code);
        Assert.Contains("re-uploaded", skipped.Reason, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(bed.Laptop, "db")));
        Assert.Single((await bed.MergeAsync()).MergedKeys); // the next merge takes the (now complete) new upload
    }

    [Fact]
    public async Task A_missing_listed_file_drops_only_that_slice_and_another_complete_slice_of_the_fingerprint_is_used()
    {
        using var bed = new ReferenceBed();
        var broken = new Dictionary<string, string>
        {
            ["a"] = "2026-01-01T00:09:00.0000000Z",
            ["gone"] = "2026-01-01T00:09:00.0000000Z",
            [ReferenceFileNames.Marker] = "2026-01-01T00:10:00.0000000Z",
        };
        await bed.PutSliceAsync("h-broken", "db", [("a", "A-newer", T(9)), (ReferenceFileNames.Marker, "fp", T(10))], sidecarOverride: broken);
        await bed.PutSliceAsync("h-good", "db", [("a", "A", T(1)), (ReferenceFileNames.Marker, "fp", T(2))]);

        var report = await bed.MergeAsync();

        Assert.Equal(["h-good"], Assert.Single(report.MergedKeys).Shards);
        Assert.Equal(("h-broken", IgnoredShardCode.MissingObject), Assert.Single(report.IgnoredShards) is var i ? (i.Shard, i.Code) : default);
        Assert.Equal("A", File.ReadAllText(Path.Combine(bed.Laptop, "db", "a")));
    }

    [Fact]
    public async Task Slices_are_read_several_at_a_time()
    {
        using var bed = new ReferenceBed();
        for (var k = 0; k < 8; k++)
        {
            await bed.PutTreeSliceAsync("h-1", "db" + k, "cloud", T(10));
        }

        var slow = new SlowManifestReads(bed.Storage);
        var report = await new PostRunMerger(slow, FastMerge with { MaxParallelism = 4 }).MergeAsync(RunId, Kind, bed.Laptop);

        Assert.Equal(8, report.MergedKeys.Count);
        Assert.InRange(slow.MaxConcurrent, 2, 4);
    }

    [Fact]
    public async Task Stray_objects_and_invalid_key_folders_are_reported_not_merged()
    {
        using var bed = new ReferenceBed();
        await bed.PutAsync(bed.Paths.PostRunShard(Kind, "h-1") + "stray.txt", "x"u8.ToArray());
        await bed.PutTreeSliceAsync("h-1", "db.build.lock", "fp", T(5));
        await bed.PutTreeSliceAsync("h-1", "db", "fp", T(5));

        var report = await bed.MergeAsync();

        Assert.Equal("db", Assert.Single(report.MergedKeys).Key);
        Assert.Contains(report.IgnoredShards, i => i is { Shard: "h-1", Key: null, Code: IgnoredShardCode.StrayObjects });
        Assert.Contains(report.IgnoredShards, i => i is { Key: "db.build.lock", Code: IgnoredShardCode.InvalidKey });
        Assert.False(Directory.Exists(Path.Combine(bed.Laptop, "db.build.lock")));
    }

    [Fact]
    public async Task An_empty_run_reads_nothing_and_a_listing_failure_throws()
    {
        using var bed = new ReferenceBed();
        var report = await bed.MergeAsync();
        Assert.Equal(0, report.SlicesRead);
        Assert.Empty(report.MergedKeys);

        var broken = new UnlistableStorage(bed.Storage);
        await Assert.ThrowsAsync<StorageException>(() => new PostRunMerger(broken, FastMerge).MergeAsync(RunId, Kind, bed.Laptop));
    }

    [Fact]
    public async Task Rule4_merge_takes_the_same_per_key_lock_as_builds()
    {
        using var bed = new ReferenceBed();
        await bed.PutTreeSliceAsync("h-1", "db", "cloud", T(5));
        var lockPath = Path.Combine(bed.Laptop, "db" + ReferenceFileNames.LockFileSuffix);
        var held = await Stagecraft.Locking.FileLock.AcquireAsync(lockPath);

        var merge = bed.MergeAsync();
        await Task.Delay(200);
        Assert.False(merge.IsCompleted, "the merge must wait for the key's build lock");
        Assert.False(Directory.Exists(Path.Combine(bed.Laptop, "db")));

        held.Dispose();
        Assert.Single((await merge.WaitAsync(TimeSpan.FromMinutes(2))).MergedKeys);
    }

    private sealed class TruncatingStorage(IObjectStorage inner, string keySuffix) : ObjectStorageDecorator(inner)
    {
        public override async Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            var read = await base.GetAsync(key, options, cancellationToken);
            if (!key.EndsWith(keySuffix, StringComparison.Ordinal))
            {
                return read;
            }

            var buffer = new MemoryStream();
            await read.Content.CopyToAsync(buffer, cancellationToken);
            await read.DisposeAsync();
            return new ObjectReadResult(read.Info, new MemoryStream(buffer.ToArray(), 0, (int)buffer.Length / 2));
        }
    }

    /// <summary>Makes each manifest read take a while and records how many overlapped (one round trip each on Cloud Storage).</summary>
    private sealed class SlowManifestReads(IObjectStorage inner) : ObjectStorageDecorator(inner)
    {
        private int _current;
        private int _max;

        public int MaxConcurrent => Volatile.Read(ref _max);

        public override async Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (!key.EndsWith(ReferenceFileNames.SourceMtimes, StringComparison.Ordinal))
            {
                return await base.GetAsync(key, options, cancellationToken);
            }

            var now = Interlocked.Increment(ref _current);
            int seen;
            while ((seen = Volatile.Read(ref _max)) < now && Interlocked.CompareExchange(ref _max, now, seen) != seen)
            {
            }

            try
            {
                await Task.Delay(100, cancellationToken);
                return await base.GetAsync(key, options, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _current);
            }
        }
    }

    /// <summary>Rewrites a slice's completion marker (a new generation: a re-upload) when the first content file is read.</summary>
    private sealed class ReuploadOnFirstContentRead(IObjectStorage inner, string uploadCompleteKey) : ObjectStorageDecorator(inner)
    {
        private int _done;

        public override async Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (key.EndsWith(".bin", StringComparison.Ordinal) && Interlocked.Exchange(ref _done, 1) == 0)
            {
                await Inner.PutAsync(uploadCompleteKey, new MemoryStream("{}"u8.ToArray()), null, cancellationToken);
            }

            return await base.GetAsync(key, options, cancellationToken);
        }
    }

    private sealed class UnlistableStorage(IObjectStorage inner) : ObjectStorageDecorator(inner)
    {
        public override IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new StorageException("listing is down");
    }
}
