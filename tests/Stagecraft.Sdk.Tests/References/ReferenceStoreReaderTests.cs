using Stagecraft.IO;
using Stagecraft.References;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.References;

/// <summary>The exact guarantee a lock-free reader has while a later commit replaces the key (see <see cref="ReferenceStore"/>).</summary>
public class ReferenceStoreReaderTests
{
    private static readonly ReferenceStoreOptions Fast = new() { Durability = Durability.None };

    [Fact]
    public async Task A_file_opened_before_a_commit_keeps_its_version_a_path_opened_after_it_is_the_new_tree_and_the_marker_check_tells()
    {
        using var dir = new TempDirectory("refreader");
        var store = new ReferenceStore(dir.Path, Fast);
        var tree = await store.EnsureAsync("db", "fp-1", Write("one"));
        var started = store.GetMarker("db")!;
        await using var openedBefore = File.OpenRead(Path.Combine(tree.FullName, "data.txt"));

        await store.EnsureAsync("db", "fp-2", Write("two"));

        // The handle keeps the old version whole, although the old tree is deleted.
        using (var reader = new StreamReader(openedBefore))
        {
            Assert.Equal("one", await reader.ReadToEndAsync());
        }

        // The DirectoryInfo names a path, not a version: opened now, it is the new tree's file.
        Assert.Equal("two", await File.ReadAllTextAsync(Path.Combine(tree.FullName, "data.txt")));

        // Which the documented check detects: the marker is not the one the reader started with.
        Assert.NotEqual(started, store.GetMarker("db"));
        Assert.Equal("fp-2", store.GetMarker("db")!.Fingerprint);
    }

    [Fact]
    public async Task A_reader_holding_the_keys_lock_sees_one_fingerprint_throughout()
    {
        using var dir = new TempDirectory("refreader");
        var store = new ReferenceStore(dir.Path, Fast);
        var tree = await store.EnsureAsync("db", "fp-1", Write("one"));

        Task commit;
        await using (await Stagecraft.Locking.FileLock.AcquireAsync(Path.Combine(dir.Path, "db" + ReferenceFileNames.LockFileSuffix)))
        {
            commit = store.EnsureAsync("db", "fp-2", Write("two"));
            await Task.Delay(200);
            Assert.False(commit.IsCompleted);
            Assert.Equal("fp-1", store.GetMarker("db")!.Fingerprint);
            Assert.Equal("one", await File.ReadAllTextAsync(Path.Combine(tree.FullName, "data.txt")));
        }

        await commit;
        Assert.Equal("two", await File.ReadAllTextAsync(Path.Combine(tree.FullName, "data.txt")));
    }

    private static Func<DirectoryInfo, CancellationToken, Task> Write(string content) =>
        (directory, ct) => File.WriteAllTextAsync(Path.Combine(directory.FullName, "data.txt"), content, ct);
}
