using Stagecraft.IO;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.IO;

public class ReplaceDirectoryTests
{
    [Theory]
    [InlineData(Durability.None)]
    [InlineData(Durability.FileAndDirectory)]
    public async Task Replace_swaps_the_whole_tree_and_leaves_nothing_beside_it(Durability durability)
    {
        using var dir = new TempDirectory("replace");
        var target = dir.Combine("tree");
        dir.WriteFile("tree/old.txt", "old");
        dir.WriteFile("tree/sub/old2.txt", "old2");

        var staging = AtomicFile.CreateStagingDirectory(target);
        Assert.True(AtomicFile.IsTemporaryFileName(Path.GetFileName(staging)));
        await File.WriteAllTextAsync(Path.Combine(staging, "new.txt"), "new");

        await AtomicFile.ReplaceDirectoryAsync(staging, target, durability);

        Assert.Equal(["new.txt"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));
        Assert.Equal(["tree"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Replace_creates_a_missing_target()
    {
        using var dir = new TempDirectory("replace");
        var source = dir.WriteFile("src/a.txt", "a");
        AtomicFile.ReplaceDirectory(Path.GetDirectoryName(source)!, dir.Combine("target"), Durability.None);
        Assert.Equal("a", File.ReadAllText(dir.Combine("target", "a.txt")));
        Assert.False(Directory.Exists(dir.Combine("src")));
    }

    [Fact]
    public void Missing_source_is_reported_and_the_target_is_untouched()
    {
        using var dir = new TempDirectory("replace");
        dir.WriteFile("target/keep.txt", "keep");
        var e = Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.ReplaceDirectory(dir.Combine("nope"), dir.Combine("target"), Durability.None));
        Assert.Contains("nope", e.Message, StringComparison.Ordinal);
        Assert.Equal("keep", File.ReadAllText(dir.Combine("target", "keep.txt")));
    }

    [Fact]
    public void Nested_source_and_target_are_rejected()
    {
        using var dir = new TempDirectory("replace");
        dir.WriteFile("target/inner/x", "x");
        Assert.Throws<ArgumentException>(() => AtomicFile.ReplaceDirectory(dir.Combine("target", "inner"), dir.Combine("target"), Durability.None));
        Assert.Throws<ArgumentException>(() => AtomicFile.ReplaceDirectory(dir.Combine("target"), dir.Combine("target"), Durability.None));
    }

    [Fact]
    public void Recovery_renames_the_aside_back_when_a_replace_died_between_its_renames()
    {
        using var dir = new TempDirectory("replace");
        var target = dir.Combine("tree");
        // The state a crash between "rename target aside" and "rename source in" leaves behind.
        dir.WriteFile(".tree.stagecraft-aside-0638000000000000000-aaaaaaaaaaaa/v.txt", "older");
        dir.WriteFile(".tree.stagecraft-aside-0638000000000000001-bbbbbbbbbbbb/v.txt", "previous");
        dir.WriteFile(".tree.stagecraft-trash-cccccccccccc/half.txt", "half-deleted");

        Assert.Equal(DirectoryRecoveryResult.RestoredPrevious, AtomicFile.RecoverDirectory(target));
        Assert.Equal("previous", File.ReadAllText(Path.Combine(target, "v.txt")));
        Assert.Equal(["tree"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
        Assert.Equal(DirectoryRecoveryResult.Clean, AtomicFile.RecoverDirectory(target));
    }

    [Fact]
    public void Recovery_never_restores_trash_and_deletes_leftovers_when_the_target_exists()
    {
        using var dir = new TempDirectory("replace");
        var target = dir.Combine("tree");
        dir.WriteFile(".tree.stagecraft-trash-cccccccccccc/half.txt", "half-deleted");
        Assert.Equal(DirectoryRecoveryResult.RemovedLeftovers, AtomicFile.RecoverDirectory(target));
        Assert.False(Directory.Exists(target));

        dir.WriteFile("tree/current.txt", "current");
        dir.WriteFile(".tree.stagecraft-aside-0638000000000000001-bbbbbbbbbbbb/v.txt", "old");
        dir.WriteFile(".treeish/other.txt", "not ours");
        Assert.Equal(DirectoryRecoveryResult.RemovedLeftovers, AtomicFile.RecoverDirectory(target));
        Assert.Equal(["current.txt"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));
        Assert.True(Directory.Exists(dir.Combine(".treeish")));
    }

    [Fact]
    public void The_next_replace_recovers_first()
    {
        using var dir = new TempDirectory("replace");
        var target = dir.Combine("tree");
        dir.WriteFile(".tree.stagecraft-aside-0638000000000000001-bbbbbbbbbbbb/v.txt", "previous");
        var staging = AtomicFile.CreateStagingDirectory(target);
        File.WriteAllText(Path.Combine(staging, "v.txt"), "next");

        AtomicFile.ReplaceDirectory(staging, target, Durability.File);

        Assert.Equal("next", File.ReadAllText(Path.Combine(target, "v.txt")));
        Assert.Equal(["tree"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }
}
