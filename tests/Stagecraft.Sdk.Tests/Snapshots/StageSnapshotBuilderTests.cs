using System.Text;
using Stagecraft.Snapshots;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.Snapshots;

public class StageSnapshotBuilderTests
{
    [Fact]
    public async Task Missing_referenced_files_fail_the_build_listing_every_one()
    {
        using var dir = new TempDirectory("snapshot");
        var present = dir.WriteFile("present.txt", "ok");
        var builder = new StageSnapshotBuilder("train")
            .WithFileFrom("present.txt", present)
            .WithFileFrom("labels.txt", dir.Combine("missing-labels.txt"))
            .WithDirectory("config", dir.Combine("no-such-dir"));

        var ex = await Assert.ThrowsAsync<SnapshotReferenceMissingException>(() => builder.BuildAsync());
        Assert.Equal(2, ex.Missing.Count);
        Assert.Contains(ex.Missing, m => m.Name == "labels.txt" && m.SourcePath.EndsWith("missing-labels.txt", StringComparison.Ordinal));
        Assert.Contains(ex.Missing, m => m.Name == "config");
        Assert.Contains("missing-labels.txt", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'train'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Directory_references_are_carried_with_prefixed_names()
    {
        using var dir = new TempDirectory("snapshot");
        dir.WriteFile("cfg/a.json", "{}");
        dir.WriteFile("cfg/nested/b.txt", "b");
        var snapshot = await new StageSnapshotBuilder("s").WithDirectory("config", dir.Combine("cfg")).BuildAsync();
        Assert.Equal(["config/a.json", "config/nested/b.txt"], snapshot.FileNames);
        Assert.Equal("b", Encoding.UTF8.GetString(snapshot.GetFile("config/nested/b.txt")));
    }

    [Fact]
    public async Task File_size_limits_are_enforced_when_adding_and_building()
    {
        var limits = new SnapshotLimits { MaxFileBytes = 10, MaxTotalFileBytes = 15 };
        var tooBig = Assert.Throws<SnapshotLimitExceededException>(() => new StageSnapshotBuilder("s", limits).WithFile("a", new byte[11]));
        Assert.Equal("file size of 'a'", tooBig.LimitName);

        using var dir = new TempDirectory("snapshot");
        var big = dir.WriteFile("big.bin", new string('x', 11));
        await Assert.ThrowsAsync<SnapshotLimitExceededException>(() => new StageSnapshotBuilder("s", limits).WithFileFrom("big.bin", big).BuildAsync());

        var total = new StageSnapshotBuilder("s", limits).WithFile("a", new byte[8]).WithFile("b", new byte[8]);
        Assert.Equal("total file size", (await Assert.ThrowsAsync<SnapshotLimitExceededException>(() => total.BuildAsync())).LimitName);
    }

    [Fact]
    public void Bad_names_and_duplicates_are_rejected_naming_the_value()
    {
        var builder = new StageSnapshotBuilder("s").WithParameter("p", "1");
        Assert.Contains("'p'", Assert.Throws<ArgumentException>(() => builder.WithParameter("p", "2")).Message, StringComparison.Ordinal);
        Assert.Contains("'../x'", Assert.Throws<ArgumentException>(() => builder.WithFile("../x", [1])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => builder.WithConfiguration("", "v"));
        Assert.Throws<ArgumentException>(() => new StageSnapshotBuilder("bad\nname"));
    }

    [Fact]
    public async Task Byte_arrays_are_copied_defensively_in_and_out()
    {
        // Seed 003 review: a mutable byte array shared with the caller.
        var callerBuffer = new byte[] { 1, 2, 3 };
        var snapshot = await new StageSnapshotBuilder("s").WithFile("f.bin", callerBuffer).BuildAsync();
        callerBuffer[0] = 99;                       // the caller keeps using its buffer
        Assert.Equal(1, snapshot.GetFile("f.bin")[0]);

        var handedOut = snapshot.GetFile("f.bin");
        handedOut[1] = 99;                          // a reader scribbles on what it got
        Assert.Equal(2, snapshot.GetFile("f.bin")[1]);

        var wire = snapshot.ToBytes();
        var read = StageSnapshot.FromBytes(wire);
        Array.Clear(wire);                          // the transport buffer is reused
        Assert.Equal([1, 2, 3], read.GetFile("f.bin"));

        var store = read.CreateFileStore();
        store.ReadAllBytes("f.bin")[2] = 99;
        Assert.Equal(3, store.ReadAllBytes("f.bin")[2]);
        Assert.NotSame(snapshot.ToBytes(), snapshot.ToBytes());
    }

    [Fact]
    public async Task Stores_hydrated_from_a_snapshot_are_read_only()
    {
        var snapshot = await new StageSnapshotBuilder("score").WithConfiguration("dataset", "iris").WithFile("labels.txt", "a"u8).BuildAsync();
        var hydrated = SnapshotWorker.Hydrate(snapshot.ToBytes());

        Assert.True(hydrated.Configuration.IsReadOnly);
        Assert.True(hydrated.Files.IsReadOnly);
        Assert.True(hydrated.Configuration.TryGetValue("dataset", out var dataset));
        Assert.Equal("iris", dataset);

        var set = Assert.Throws<ReadOnlyStoreException>(() => hydrated.Configuration.Set("dataset", "other"));
        Assert.Equal(("Set", "dataset"), (set.Operation, set.Key));
        Assert.Contains("'score'", set.Message, StringComparison.Ordinal);
        Assert.Throws<ReadOnlyStoreException>(() => hydrated.Configuration.Remove("dataset"));
        Assert.Equal("labels.txt", Assert.Throws<ReadOnlyStoreException>(() => hydrated.Files.Write("labels.txt", "b"u8)).Key);
        Assert.Throws<ReadOnlyStoreException>(() => hydrated.Files.Delete("labels.txt"));
        Assert.Equal("a", Encoding.UTF8.GetString(hydrated.Files.ReadAllBytes("labels.txt")));
        Assert.Throws<FileNotFoundException>(() => hydrated.Files.ReadAllBytes("nope.txt"));

        // GetAll hands out a copy: mutating it cannot change the store.
        var all = (Dictionary<string, string>)hydrated.Configuration.GetAll();
        all["dataset"] = "changed";
        Assert.True(hydrated.Configuration.TryGetValue("dataset", out var again));
        Assert.Equal("iris", again);
    }

    [Fact]
    public async Task Coordinator_side_stores_are_writable_and_feed_the_builder()
    {
        using var dir = new TempDirectory("snapshot");
        var files = new DirectoryFileStore(dir.Combine("config"));
        files.Write("labels.txt", "x\ny\n"u8);
        files.Write("nested/vocab.txt", "v"u8);
        var config = new MemoryConfigurationStore([KeyValuePair.Create("threshold", "0.7")]);
        config.Set("dataset", "iris");
        Assert.Throws<ArgumentException>(() => files.Write("../escape", "x"u8));

        var snapshot = await new StageSnapshotBuilder("s").WithConfiguration(config).WithDirectory("config", files.Root).BuildAsync();
        Assert.Equal(["config/labels.txt", "config/nested/vocab.txt"], snapshot.FileNames);
        Assert.Equal("0.7", snapshot.Configuration["threshold"]);
        Assert.Equal(["labels.txt", "nested/vocab.txt"], files.ListNames());
    }
}
