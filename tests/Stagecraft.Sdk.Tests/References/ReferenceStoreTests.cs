using Stagecraft.IO;
using Stagecraft.References;
using Stagecraft.TestChild;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.References;

/// <summary>EnsureAsync, TryGet and GetMarker in one process: the rules of section 4 and the seed's store bugs.</summary>
public class ReferenceStoreTests
{
    private static readonly ReferenceStoreOptions Fast = new() { Durability = Durability.None };

    [Fact]
    public async Task Ensure_builds_once_then_reuses_while_the_fingerprint_matches()
    {
        using var dir = new TempDirectory("refstore");
        var store = new ReferenceStore(dir.Path, Fast);
        var builds = 0;

        var first = await store.EnsureAsync("db", "fp-1", Build("fp-1", () => builds++));
        var second = await store.EnsureAsync("db", "fp-1", Build("fp-1", () => builds++));

        Assert.Equal(1, builds);
        Assert.Equal(dir.Combine("db"), first.FullName);
        Assert.Equal(first.FullName, second.FullName);
        await ReferenceTreeContent.AssertTreeAsync(first.FullName, "fp-1");
    }

    [Fact]
    public async Task Ensure_with_a_new_fingerprint_replaces_the_whole_tree_leaving_no_file_of_the_old_one()
    {
        using var dir = new TempDirectory("refstore");
        var store = new ReferenceStore(dir.Path, Fast);
        await store.EnsureAsync("db", "old", Build("old"));
        dir.WriteFile("db/stray-from-old-build.txt", "old");

        var tree = await store.EnsureAsync("db", "new", Build("new"));

        await ReferenceTreeContent.AssertTreeAsync(tree.FullName, "new");
        Assert.Equal("new", store.GetMarker("db")!.Fingerprint);
    }

    [Fact]
    public async Task Rule3_force_means_only_the_user_asked_it_rebuilds_even_when_the_marker_matches()
    {
        using var dir = new TempDirectory("refstore");
        var store = new ReferenceStore(dir.Path, Fast);
        var builds = 0;
        await store.EnsureAsync("db", "fp", Build("fp", () => builds++));

        await store.EnsureAsync("db", "fp", Build("fp", () => builds++), force: true);

        Assert.Equal(2, builds);
        await ReferenceTreeContent.AssertTreeAsync(dir.Combine("db"), "fp");
    }

    [Fact]
    public async Task Rule3_markerless_leftover_directory_is_scrap_removed_at_commit()
    {
        using var dir = new TempDirectory("refstore");
        dir.WriteFile("db/half-written.bin", "scrap");
        dir.WriteFile("db/sub/also-scrap.bin", "scrap");
        var store = new ReferenceStore(dir.Path, Fast);
        Assert.Null(store.TryGet("db"));

        var tree = await store.EnsureAsync("db", "fp", Build("fp"));

        await ReferenceTreeContent.AssertTreeAsync(tree.FullName, "fp");
    }

    [Fact]
    public async Task Rule1_a_build_that_throws_leaves_the_previous_reference_and_no_visible_scrap()
    {
        using var dir = new TempDirectory("refstore");
        var store = new ReferenceStore(dir.Path, Fast);
        await store.EnsureAsync("db", "good", Build("good"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.EnsureAsync("db", "bad", async (d, ct) =>
        {
            await ReferenceTreeContent.WriteAsync(d.FullName, "bad", ct);
            throw new InvalidOperationException("encoder failed");
        }));

        Assert.Equal("good", store.GetMarker("db")!.Fingerprint);
        await ReferenceTreeContent.AssertTreeAsync(dir.Combine("db"), "good");
        Assert.Equal(["db", "db.build.lock"], VisibleEntries(dir.Path));
        Assert.Empty(Directory.EnumerateDirectories(dir.Path, ".*"));
    }

    [Fact]
    public async Task A_cancelled_build_leaves_the_previous_reference()
    {
        using var dir = new TempDirectory("refstore");
        var store = new ReferenceStore(dir.Path, Fast);
        await store.EnsureAsync("db", "good", Build("good"));
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.EnsureAsync("db", "next", async (d, ct) =>
        {
            await ReferenceTreeContent.WriteAsync(d.FullName, "next", ct);
            await cts.CancelAsync();
            ct.ThrowIfCancellationRequested();
        }, cancellationToken: cts.Token));

        await ReferenceTreeContent.AssertTreeAsync(dir.Combine("db"), "good");
    }

    [Fact]
    public async Task Rule4_a_build_fills_an_empty_temp_sibling_and_the_live_tree_stays_the_previous_complete_reference_until_the_rename()
    {
        using var dir = new TempDirectory("refstore");
        var store = new ReferenceStore(dir.Path, Fast);
        await store.EnsureAsync("db", "v1", Build("v1"));

        await store.EnsureAsync("db", "v2", async (d, ct) =>
        {
            Assert.Empty(d.EnumerateFileSystemInfos());
            Assert.Equal(dir.Path, d.Parent!.FullName); // a sibling: the commit is a rename on one file system
            Assert.StartsWith(".db.", d.Name, StringComparison.Ordinal);
            await ReferenceTreeContent.WriteAsync(d.FullName, "v2", ct);
            Assert.Equal("v1", store.GetMarker("db")!.Fingerprint);
            await ReferenceTreeContent.AssertTreeAsync(dir.Combine("db"), "v1");
        });

        await ReferenceTreeContent.AssertTreeAsync(dir.Combine("db"), "v2");
    }

    [Fact]
    public async Task A_marker_written_by_the_build_is_replaced_by_the_requested_fingerprint()
    {
        using var dir = new TempDirectory("refstore");
        var store = new ReferenceStore(dir.Path, Fast);

        await store.EnsureAsync("db", "fp", async (d, ct) =>
        {
            await ReferenceTreeContent.WriteAsync(d.FullName, "fp", ct);
            await File.WriteAllTextAsync(Path.Combine(d.FullName, ReferenceFileNames.Marker), "something-else", ct);
        });

        await ReferenceTreeContent.AssertTreeAsync(dir.Combine("db"), "fp");
    }

    [Fact]
    public async Task Concurrent_calls_in_one_process_build_each_key_once()
    {
        using var dir = new TempDirectory("refstore");
        var store = new ReferenceStore(dir.Path, Fast);
        var builds = 0;

        var dirs = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            store.EnsureAsync(i % 2 == 0 ? "even" : "odd", "fp", async (d, ct) =>
            {
                Interlocked.Increment(ref builds);
                await Task.Yield();
                await ReferenceTreeContent.WriteAsync(d.FullName, "fp", ct);
            }))));

        Assert.Equal(2, builds);
        Assert.Equal(2, dirs.Select(d => d.FullName).Distinct().Count());
    }

    [Fact]
    public async Task A_tree_left_renamed_aside_by_a_killed_commit_is_restored_not_rebuilt()
    {
        using var dir = new TempDirectory("refstore");
        var store = new ReferenceStore(dir.Path, Fast);
        await store.EnsureAsync("db", "fp", Build("fp"));
        // What a commit killed between ReplaceDirectory's two renames leaves: no live tree, the old one aside.
        Directory.Move(dir.Combine("db"), TemporaryNames.AsideFor(dir.Combine("db")));
        Assert.Null(store.TryGet("db"));
        var builds = 0;

        await store.EnsureAsync("db", "fp", Build("fp", () => builds++));

        Assert.Equal(0, builds);
        await ReferenceTreeContent.AssertTreeAsync(dir.Combine("db"), "fp");
        Assert.Empty(Directory.EnumerateDirectories(dir.Path, ".*"));
    }

    [Fact]
    public async Task Staging_trees_of_killed_builds_are_deleted_by_the_next_lock_holder()
    {
        using var dir = new TempDirectory("refstore");
        var leftover = AtomicFile.CreateStagingDirectory(dir.Combine("db"));
        File.WriteAllText(Path.Combine(leftover, "partial.bin"), "x");
        var otherKeysStaging = AtomicFile.CreateStagingDirectory(dir.Combine("dbx"));
        var store = new ReferenceStore(dir.Path, Fast);

        await store.EnsureAsync("db", "fp", Build("fp"));

        Assert.False(Directory.Exists(leftover));
        Assert.True(Directory.Exists(otherKeysStaging), "only the locked key's leftovers may be removed");
    }

    [Fact]
    public async Task TryGet_and_GetMarker_see_only_complete_references()
    {
        using var dir = new TempDirectory("refstore");
        var store = new ReferenceStore(dir.Path, Fast);
        Assert.Null(store.TryGet("db"));
        Assert.Null(store.GetMarker("db"));

        var before = DateTime.UtcNow.AddSeconds(-2);
        await store.EnsureAsync("db", "fp", Build("fp"));

        Assert.Equal(dir.Combine("db"), store.TryGet("db")!.FullName);
        var marker = store.GetMarker("db")!;
        Assert.Equal("fp", marker.Fingerprint);
        Assert.InRange(marker.LastWriteTimeUtc, before, DateTime.UtcNow.AddSeconds(2));

        File.WriteAllText(dir.Combine("db", ReferenceFileNames.Marker), "");
        Assert.Null(store.TryGet("db"));
    }

    [Fact]
    public async Task A_marker_with_a_trailing_newline_from_another_tool_is_read()
    {
        using var dir = new TempDirectory("refstore");
        dir.WriteFile("db/" + ReferenceFileNames.Marker, "abc123\n");
        var store = new ReferenceStore(dir.Path, Fast);
        var builds = 0;

        await store.EnsureAsync("db", "abc123", Build("abc123", () => builds++));

        Assert.Equal(0, builds);
    }

    [Fact]
    public async Task A_key_directory_that_is_a_symbolic_link_is_never_replaced_or_written_through()
    {
        using var dir = new TempDirectory("refstore");
        using var outside = new TempDirectory("refstore-outside");
        outside.WriteFile("precious.txt", "keep");
        Directory.CreateSymbolicLink(dir.Combine("db"), outside.Path);
        var store = new ReferenceStore(dir.Path, Fast);

        await Assert.ThrowsAsync<IOException>(() => store.EnsureAsync("db", "fp", Build("fp")));

        Assert.Equal(["precious.txt"], Directory.EnumerateFileSystemEntries(outside.Path).Select(Path.GetFileName));
        Assert.NotNull(new FileInfo(dir.Combine("db")).LinkTarget);
    }

    [Fact]
    public async Task Durable_commit_builds_the_same_tree()
    {
        using var dir = new TempDirectory("refstore");
        var store = new ReferenceStore(dir.Path, new ReferenceStoreOptions { Durability = Durability.FileAndDirectory });

        await store.EnsureAsync("db", "fp", Build("fp"));

        await ReferenceTreeContent.AssertTreeAsync(dir.Combine("db"), "fp");
    }

    internal static Func<DirectoryInfo, CancellationToken, Task> Build(string fingerprint, Action? onBuild = null) =>
        (directory, ct) =>
        {
            onBuild?.Invoke();
            return ReferenceTreeContent.WriteAsync(directory.FullName, fingerprint, ct);
        };

    internal static string[] VisibleEntries(string root) =>
        Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order(StringComparer.Ordinal).ToArray()!;
}
