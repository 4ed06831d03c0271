using Stagecraft.IO;
using Stagecraft.Sdk.Tests.Locking;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.IO;

public sealed class DirectoryWalkerTests : IDisposable
{
    private readonly TempDirectory _tree = new("walk");
    private readonly TempDirectory _outside = new("walk-outside");

    public void Dispose()
    {
        _tree.Dispose();
        _outside.Dispose();
    }

    [UnixFact]
    public void Links_inside_are_followed_once_links_out_and_dangling_links_are_reported_and_leftovers_are_set_apart()
    {
        _tree.WriteFile("a/x.txt", "x");
        _tree.WriteFile("b/y.txt", "y");
        _tree.WriteFile("a/.x.txt.p123.stagecraft-tmp", "half");
        Directory.CreateDirectory(_tree.Combine(".db.stagecraft-staging-00000000abcd"));
        _tree.WriteFile(".db.stagecraft-staging-00000000abcd/inside.txt", "staged");
        _outside.WriteFile("secret.txt", "secret");
        File.CreateSymbolicLink(_tree.Combine("to-x"), "a/x.txt");
        Directory.CreateSymbolicLink(_tree.Combine("a", "to-b"), "../b");
        Directory.CreateSymbolicLink(_tree.Combine("b", "up"), ".."); // the root: a loop
        File.CreateSymbolicLink(_tree.Combine("secret"), _outside.Combine("secret.txt"));
        File.CreateSymbolicLink(_tree.Combine("hostname"), "/etc/hostname");
        File.CreateSymbolicLink(_tree.Combine("dangling"), "nowhere.txt");

        var walk = DirectoryWalker.Walk(_tree.Path);

        Assert.Equal(["a/to-b/y.txt", "a/x.txt", "b/y.txt", "to-x"], walk.Files.Select(f => f.RelativePath));
        Assert.Equal([true, false, false, true], walk.Files.Select(f => f.ThroughLink));
        Assert.Equal(
            [("a/to-b/up", SkippedLinkReason.Loop), ("b/up", SkippedLinkReason.Loop), ("dangling", SkippedLinkReason.Dangling), ("hostname", SkippedLinkReason.OutsideRoot), ("secret", SkippedLinkReason.OutsideRoot)],
            walk.SkippedLinks.Select(l => (l.RelativePath, l.Reason)));
        Assert.Equal([_tree.Combine(".db.stagecraft-staging-00000000abcd"), _tree.Combine("a", ".x.txt.p123.stagecraft-tmp")], walk.Leftovers);
        Assert.Contains("/etc/hostname", walk.SkippedLinks.Single(l => l.RelativePath == "hostname").Description, StringComparison.Ordinal);
    }

    [UnixFact]
    public void Following_everything_is_an_explicit_option_and_still_never_loops()
    {
        _outside.WriteFile("secret.txt", "secret");
        Directory.CreateSymbolicLink(_tree.Combine("out"), _outside.Path);
        Directory.CreateSymbolicLink(_outside.Combine("back"), _outside.Path);

        var walk = DirectoryWalker.Walk(_tree.Path, SymbolicLinkPolicy.FollowAll);

        Assert.Equal(["out/secret.txt"], walk.Files.Select(f => f.RelativePath));
        Assert.Equal([("out/back", SkippedLinkReason.Loop)], walk.SkippedLinks.Select(l => (l.RelativePath, l.Reason)));
    }

    [Fact]
    public void A_missing_root_is_an_error()
    {
        Assert.Throws<DirectoryNotFoundException>(() => DirectoryWalker.Walk(_tree.Combine("missing")));
    }
}
