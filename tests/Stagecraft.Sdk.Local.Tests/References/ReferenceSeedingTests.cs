using Stagecraft.IO;
using Stagecraft.References;
using Stagecraft.Storage.Transfers;
using Stagecraft.TestChild;
using static Stagecraft.Sdk.Local.Tests.References.ReferenceBed;

namespace Stagecraft.Sdk.Local.Tests.References;

/// <summary>ReferenceSeeding: required artefacts and the optional seed, with the seed's restart and clobber bugs.</summary>
public class ReferenceSeedingTests
{
    private static readonly ReferenceSeedingOptions Fast = new() { Durability = Durability.None };

    [Fact]
    public async Task Required_artefacts_download_atomically_with_a_download_complete_marker()
    {
        using var bed = new ReferenceBed();
        await bed.PutAsync("setup/cache/a.bin", "A"u8.ToArray());
        await bed.PutAsync("setup/cache/sub/b.bin", "B"u8.ToArray());
        var target = bed.Dir.Combine("worker-setup", "cache");

        var result = await new ReferenceSeeding(bed.Storage, Fast).DownloadRequiredAsync("setup/cache", target);

        Assert.False(result.AlreadyPresent);
        Assert.Equal(2, result.FileCount);
        Assert.Equal([".download_complete", "a.bin", "sub/b.bin"], Snapshot(target).Keys);
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(target)!, ".*"));
    }

    [Fact]
    public async Task Required_artefacts_with_an_empty_prefix_are_a_typed_error_and_leave_nothing_behind()
    {
        using var bed = new ReferenceBed();
        var target = bed.Dir.Combine("worker-setup", "cache");

        var ex = await Assert.ThrowsAsync<RequiredArtifactNotFoundException>(() => new ReferenceSeeding(bed.Storage, Fast).DownloadRequiredAsync("setup/missing/", target));

        Assert.Equal("setup/missing/", ex.Prefix);
        Assert.Contains("setup/missing/", ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public async Task Required_artefacts_already_complete_are_not_downloaded_again()
    {
        using var bed = new ReferenceBed();
        await bed.PutAsync("setup/cache/a.bin", "A"u8.ToArray());
        var target = bed.Dir.Combine("cache");
        var seeding = new ReferenceSeeding(bed.Storage, Fast);
        await seeding.DownloadRequiredAsync("setup/cache/", target);
        await bed.PutAsync("setup/cache/late.bin", "L"u8.ToArray());

        var again = await seeding.DownloadRequiredAsync("setup/cache/", target);

        Assert.True(again.AlreadyPresent);
        Assert.False(File.Exists(Path.Combine(target, "late.bin")));
    }

    [Fact]
    public async Task A_required_directory_without_download_complete_is_partial_and_replaced()
    {
        using var bed = new ReferenceBed();
        await bed.PutAsync("setup/cache/a.bin", "A"u8.ToArray());
        var target = bed.Dir.Combine("cache");
        bed.Dir.WriteFile("cache/half-downloaded.bin", "partial");

        await new ReferenceSeeding(bed.Storage, Fast).DownloadRequiredAsync("setup/cache/", target);

        Assert.Equal([".download_complete", "a.bin"], Snapshot(target).Keys);
    }

    [Fact]
    public async Task Optional_seed_with_an_empty_prefix_is_a_no_op()
    {
        using var bed = new ReferenceBed();
        var root = bed.Dir.Combine("never-created");

        var result = await new ReferenceSeeding(bed.Storage, Fast).MergeOptionalSeedAsync(bed.Paths.ReferenceSeed(Kind), root);

        Assert.Equal(OptionalSeedOutcome.EmptyPrefix, result.Outcome);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public async Task Optional_seed_installs_missing_keys_with_their_source_mtimes()
    {
        using var bed = new ReferenceBed();
        await SeedAsync(bed, "db", "seed-fp", T(7), fileTime: T(3));

        var result = await new ReferenceSeeding(bed.Storage, Fast).MergeOptionalSeedAsync(bed.Paths.ReferenceSeed(Kind), bed.Worker);

        Assert.Equal(OptionalSeedOutcome.Merged, result.Outcome);
        Assert.Equal(["db"], result.InstalledKeys);
        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Worker, "db"), "seed-fp");
        var files = Snapshot(Path.Combine(bed.Worker, "db"));
        Assert.Equal(T(7), files[ReferenceFileNames.Marker].Mtime);
        Assert.All(files.Where(f => f.Key != ReferenceFileNames.Marker), f => Assert.Equal(T(3), f.Value.Mtime));
    }

    [Fact]
    public async Task Bug_marker_only_seed_a_seed_key_holding_only_its_marker_is_not_installed_and_gets_built()
    {
        // Seed review: a corrupt seed directory with the marker but none of the content passed the presence check, and
        // the cloud reuse path then failed on it instead of rebuilding it.
        using var bed = new ReferenceBed();
        await SeedAsync(bed, "good", "fp-good", T(7));
        await bed.PutAsync(bed.Paths.ReferenceSeed(Kind) + "bare/" + ReferenceFileNames.Marker, "fp-bare"u8.ToArray());

        var result = await new ReferenceSeeding(bed.Storage, Fast).MergeOptionalSeedAsync(bed.Paths.ReferenceSeed(Kind), bed.Worker);
        var snapshot = await ReferenceSeedSnapshot.ReadAsync(bed.Storage, bed.Paths.ReferenceSeed(Kind));

        Assert.Equal(["good"], result.InstalledKeys);
        Assert.Contains("only its marker", result.IgnoredKeys["bare"], StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(bed.Worker, "bare")));
        Assert.Equal(["good"], snapshot.Fingerprints.Keys); // so the worker's own build of "bare" is uploaded back

        var builds = 0;
        await new ReferenceStore(bed.Worker, FastStore).EnsureAsync("bare", "fp-bare", (d, ct) => { builds++; return ReferenceTreeContent.WriteAsync(d.FullName, "fp-bare", ct); });
        Assert.Equal(1, builds);
    }

    [Fact]
    public async Task Bug_seed_clobbered_a_cloud_built_reference_an_existing_local_reference_is_kept_marker_included()
    {
        // Seed round 2: a restarted actor's seed merge overwrote a reference a previous actor had built in the cloud.
        using var bed = new ReferenceBed();
        await SeedAsync(bed, "db", "seed-fp", T(7));
        await BuildAsync(bed.Worker, "db", "cloud-built", T(1));
        var before = Snapshot(Path.Combine(bed.Worker, "db"));

        var result = await new ReferenceSeeding(bed.Storage, Fast).MergeOptionalSeedAsync(bed.Paths.ReferenceSeed(Kind), bed.Worker);

        Assert.Equal(["db"], result.KeptLocalKeys);
        Assert.Equal(before, Snapshot(Path.Combine(bed.Worker, "db")));
    }

    [Fact]
    public async Task Bug_mixed_fingerprint_tree_seed_files_are_never_added_into_a_marked_local_reference()
    {
        // File-by-file "add what is missing" into a marked tree would put seed-fingerprint files under the local marker.
        using var bed = new ReferenceBed();
        await bed.PutAsync(bed.Paths.ReferenceSeed(Kind) + "db/" + ReferenceFileNames.Marker, "seed-fp"u8.ToArray());
        await bed.PutAsync(bed.Paths.ReferenceSeed(Kind) + "db/only-in-seed.bin", "S"u8.ToArray());
        await BuildAsync(bed.Worker, "db", "cloud-built", T(1));

        await new ReferenceSeeding(bed.Storage, Fast).MergeOptionalSeedAsync(bed.Paths.ReferenceSeed(Kind), bed.Worker);

        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Worker, "db"), "cloud-built");
    }

    [Fact]
    public async Task Optional_seed_replaces_markerless_scrap()
    {
        using var bed = new ReferenceBed();
        await SeedAsync(bed, "db", "seed-fp", T(7));
        bed.Dir.WriteFile("worker/db/scrap.bin", "scrap of a killed build");

        var result = await new ReferenceSeeding(bed.Storage, Fast).MergeOptionalSeedAsync(bed.Paths.ReferenceSeed(Kind), bed.Worker);

        Assert.Equal(["db"], result.InstalledKeys);
        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Worker, "db"), "seed-fp");
    }

    [Fact]
    public async Task Bug_restart_clobbers_the_gate_file_stops_a_restarted_worker_from_merging_the_seed_again()
    {
        using var bed = new ReferenceBed();
        await SeedAsync(bed, "db", "seed-fp", T(7));
        var seeding = new ReferenceSeeding(bed.Storage, Fast);
        Assert.Equal(OptionalSeedOutcome.Merged, (await seeding.MergeOptionalSeedAsync(bed.Paths.ReferenceSeed(Kind), bed.Worker)).Outcome);
        Assert.True(File.Exists(Path.Combine(bed.Worker, ReferenceFileNames.OptionalSeedComplete)));
        Directory.Delete(Path.Combine(bed.Worker, "db"), recursive: true); // e.g. the worker's task removed it to rebuild

        var restarted = await new ReferenceSeeding(bed.Storage, Fast).MergeOptionalSeedAsync(bed.Paths.ReferenceSeed(Kind), bed.Worker);

        Assert.Equal(OptionalSeedOutcome.AlreadyMerged, restarted.Outcome);
        Assert.False(Directory.Exists(Path.Combine(bed.Worker, "db")));
    }

    [Fact]
    public async Task The_gate_names_its_prefix_so_a_reused_worker_merges_the_next_runs_seed()
    {
        using var bed = new ReferenceBed();
        await SeedAsync(bed, "db", "seed-fp", T(7));
        await bed.Storage.UploadDirectoryAsync(Path.Combine(bed.Dir.Path, "laptop-seed", "db"), "runs/run-2/reference_seed/otf/other/");
        var seeding = new ReferenceSeeding(bed.Storage, Fast);
        await seeding.MergeOptionalSeedAsync(bed.Paths.ReferenceSeed(Kind), bed.Worker);

        var next = await seeding.MergeOptionalSeedAsync(new ReferencePaths("run-2").ReferenceSeed(Kind), bed.Worker);

        Assert.Equal(OptionalSeedOutcome.Merged, next.Outcome);
        Assert.Equal(["other"], next.InstalledKeys);
    }

    [Fact]
    public async Task A_seed_key_without_a_marker_is_not_installed()
    {
        using var bed = new ReferenceBed();
        await bed.PutAsync(bed.Paths.ReferenceSeed(Kind) + "db/a.bin", "A"u8.ToArray());

        var result = await new ReferenceSeeding(bed.Storage, Fast).MergeOptionalSeedAsync(bed.Paths.ReferenceSeed(Kind), bed.Worker);

        Assert.Contains("no marker", result.IgnoredKeys["db"], StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(bed.Worker, "db")));
    }

    [Fact]
    public async Task Seed_then_build_then_upload_then_merge_round_trip()
    {
        using var bed = new ReferenceBed();
        await BuildAsync(bed.Laptop, "have", "fp-have", T(1));
        await bed.Storage.UploadDirectoryAsync(Path.Combine(bed.Laptop, "have"), bed.Paths.ReferenceSeed(Kind) + "have/");

        // Worker: seed, build the missing key, upload back.
        await new ReferenceSeeding(bed.Storage, Fast).MergeOptionalSeedAsync(bed.Paths.ReferenceSeed(Kind), bed.Worker);
        var workerStore = new ReferenceStore(bed.Worker, FastStore);
        var builds = 0;
        await workerStore.EnsureAsync("have", "fp-have", (d, ct) => { builds++; return ReferenceTreeContent.WriteAsync(d.FullName, "fp-have", ct); });
        await workerStore.EnsureAsync("missing", "fp-missing", (d, ct) => { builds++; return ReferenceTreeContent.WriteAsync(d.FullName, "fp-missing", ct); });
        var seed = await ReferenceSeedSnapshot.ReadAsync(bed.Storage, bed.Paths.ReferenceSeed(Kind));
        var upload = await new ReferenceUploader(bed.Storage, bed.Worker, RunId, Kind, seed).UploadChangedAsync();

        // Laptop: merge.
        var report = await bed.MergeAsync();

        Assert.Equal(1, builds);
        Assert.Equal(["missing"], upload.Uploaded.Select(u => u.Key));
        Assert.Equal(["missing"], report.MergedKeys.Select(m => m.Key));
        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Laptop, "missing"), "fp-missing");
        Assert.Equal(Snapshot(Path.Combine(bed.Worker, "missing")), Snapshot(Path.Combine(bed.Laptop, "missing")));
    }

    /// <summary>Builds the tree locally and uploads it as the run's optional seed (what the driver does at submit time).</summary>
    private static async Task SeedAsync(ReferenceBed bed, string key, string fingerprint, DateTime markerTime, DateTime? fileTime = null)
    {
        var laptopSeed = Path.Combine(bed.Dir.Path, "laptop-seed");
        await BuildAsync(laptopSeed, key, fingerprint, markerTime, fileTime);
        await bed.Storage.UploadDirectoryAsync(Path.Combine(laptopSeed, key), bed.Paths.ReferenceSeed(Kind) + key + "/");
    }
}
