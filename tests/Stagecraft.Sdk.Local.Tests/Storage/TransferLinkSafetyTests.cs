using System.Diagnostics;
using System.Text;
using Stagecraft.IO;
using Stagecraft.Local.Storage;
using Stagecraft.Storage;
using Stagecraft.Storage.Transfers;
using Stagecraft.Testing;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Local.Tests.Storage;

/// <summary>Directory transfers never read or write outside their tree through symbolic links.</summary>
public sealed class TransferLinkSafetyTests : IDisposable
{
    private readonly TempDirectory _temp = new("transfer-links");

    public void Dispose() => _temp.Dispose();

    private static bool Unix => !OperatingSystem.IsWindows();

    [Fact]
    public async Task A_download_never_writes_through_a_directory_link_inside_the_target_and_writes_nothing()
    {
        if (!Unix)
        {
            return;
        }

        var storage = new LocalObjectStorage(_temp.Combine("store"));
        await storage.PutAsync("p/a.txt", new MemoryStream("a"u8.ToArray()));
        await storage.PutAsync("p/sub/payload.txt", new MemoryStream("payload"u8.ToArray()));
        var target = _temp.Combine("target");
        var elsewhere = _temp.Combine("elsewhere");
        Directory.CreateDirectory(target);
        Directory.CreateDirectory(elsewhere);
        Directory.CreateSymbolicLink(Path.Combine(target, "sub"), elsewhere);

        var ex = await Assert.ThrowsAsync<UnsafeLocalPathException>(() => storage.DownloadPrefixAsync("p", target));

        Assert.Equal(Path.Combine(target, "sub"), ex.LocalPath);
        Assert.Contains(Path.Combine(target, "sub"), ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
        Assert.Equal(["sub"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_directory_swapped_for_a_link_during_the_download_is_refused_at_the_write()
    {
        if (!Unix)
        {
            return;
        }

        var inner = new LocalObjectStorage(_temp.Combine("store"));
        await inner.PutAsync("p/a.txt", new MemoryStream("a"u8.ToArray()));
        await inner.PutAsync("p/sub/payload.txt", new MemoryStream("payload"u8.ToArray()));
        var target = _temp.Combine("target");
        var elsewhere = _temp.Combine("elsewhere");
        Directory.CreateDirectory(Path.Combine(target, "sub"));
        Directory.CreateDirectory(elsewhere);

        // The checks before writing pass (sub is a real directory); then, while the first file downloads, sub becomes a link.
        var storage = new SwappingStorage(inner, "p/a.txt", () =>
        {
            Directory.Move(Path.Combine(target, "sub"), Path.Combine(target, "sub.moved"));
            Directory.CreateSymbolicLink(Path.Combine(target, "sub"), elsewhere);
        });

        var ex = await Assert.ThrowsAsync<UnsafeLocalPathException>(() => storage.DownloadPrefixAsync("p", target, new TransferOptions { MaxParallelism = 1 }));

        Assert.Equal(Path.Combine(target, "sub"), ex.LocalPath);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
    }

    [Fact]
    public async Task A_download_never_writes_through_a_file_link_inside_the_target()
    {
        if (!Unix)
        {
            return;
        }

        var storage = new LocalObjectStorage(_temp.Combine("store"));
        await storage.PutAsync("p/victim.txt", new MemoryStream("new"u8.ToArray()));
        var target = _temp.Combine("target");
        var precious = _temp.WriteFile("precious.txt", "keep");
        Directory.CreateDirectory(target);
        File.CreateSymbolicLink(Path.Combine(target, "victim.txt"), precious);
        var before = File.GetLastWriteTimeUtc(precious);

        await Assert.ThrowsAsync<UnsafeLocalPathException>(() => storage.DownloadPrefixAsync("p", target));

        Assert.Equal("keep", File.ReadAllText(precious));
        Assert.Equal(before, File.GetLastWriteTimeUtc(precious));
    }

    [Fact]
    public void Replacing_a_directory_through_a_link_is_refused()
    {
        if (!Unix)
        {
            return;
        }

        var elsewhere = _temp.Combine("elsewhere");
        Directory.CreateDirectory(elsewhere);
        File.WriteAllText(Path.Combine(elsewhere, "keep.txt"), "keep");
        var target = _temp.Combine("target");
        Directory.CreateSymbolicLink(target, elsewhere);
        var staging = AtomicFile.CreateStagingDirectory(target);

        var ex = Assert.Throws<UnsafeLocalPathException>(() => AtomicFile.ReplaceDirectory(staging, target, Durability.None));

        Assert.Equal(target, ex.LocalPath);
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(elsewhere).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_upload_does_not_follow_a_link_to_etc_hostname_or_to_a_secret_outside_and_reports_them()
    {
        if (!Unix)
        {
            return;
        }

        var storage = new LocalObjectStorage(_temp.Combine("store"));
        var source = _temp.Combine("source");
        _temp.WriteFile("source/data.txt", "data");
        var secret = _temp.WriteFile("secret.txt", "top secret");
        File.CreateSymbolicLink(Path.Combine(source, "hostname"), "/etc/hostname");
        File.CreateSymbolicLink(Path.Combine(source, "secret.txt"), secret);
        File.CreateSymbolicLink(Path.Combine(source, "alias.txt"), "data.txt");

        var result = await storage.UploadDirectoryAsync(source, "up");

        Assert.Equal(["up/alias.txt", "up/data.txt"], result.TransferredKeys);
        Assert.Equal([("hostname", SkippedLinkReason.OutsideRoot), ("secret.txt", SkippedLinkReason.OutsideRoot)], result.SkippedLinks.Select(l => (l.RelativePath, l.Reason)));
        Assert.Null(await storage.StatAsync("up/hostname"));
        Assert.Null(await storage.StatAsync("up/secret.txt"));

        // Following everything is an explicit opt-in.
        var all = await storage.UploadDirectoryAsync(source, "all", new TransferOptions { SymbolicLinks = SymbolicLinkPolicy.FollowAll });
        Assert.Contains("all/secret.txt", all.TransferredKeys);
        Assert.Empty(all.SkippedLinks);
    }

    [Fact]
    public async Task A_dangling_link_is_skipped_and_reported_and_the_rest_is_uploaded()
    {
        if (!Unix)
        {
            return;
        }

        var storage = new LocalObjectStorage(_temp.Combine("store"));
        var source = _temp.Combine("source");
        for (var i = 0; i < 20; i++)
        {
            _temp.WriteFile($"source/f{i:D2}.txt", $"file {i}");
        }

        File.CreateSymbolicLink(Path.Combine(source, "f12.link"), "gone.txt");

        var result = await storage.UploadDirectoryAsync(source, "up");

        Assert.Equal(20, result.FilesTransferred);
        var skipped = Assert.Single(result.SkippedLinks);
        Assert.Equal(("f12.link", SkippedLinkReason.Dangling), (skipped.RelativePath, skipped.Reason));
        Assert.Contains("gone.txt", skipped.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_download_removes_the_temporary_files_a_killed_download_left_and_keeps_a_live_writers()
    {
        var storage = new LocalObjectStorage(_temp.Combine("store"));
        await storage.PutAsync("p/d/x.bin", new MemoryStream(Encoding.UTF8.GetBytes("x")));
        var target = _temp.Combine("target");
        Directory.CreateDirectory(Path.Combine(target, "d"));
        var dead = DeadProcessId();
        var leftover = Path.Combine(target, "d", $".x.bin.p{dead}.stagecraft-tmp");
        var live = Path.Combine(target, "d", $".x.bin.p{Environment.ProcessId}.stagecraft-tmp");
        var random = Path.Combine(target, "d", ".x.bin.0123456789ab.stagecraft-tmp");
        File.WriteAllText(leftover, "half");
        File.WriteAllText(live, "in progress");
        File.WriteAllText(random, "unknown owner");

        await storage.DownloadPrefixAsync("p", target);

        Assert.False(File.Exists(leftover));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(random));
        Assert.Equal("x", File.ReadAllText(Path.Combine(target, "d", "x.bin")));
    }

    /// <summary>Runs an action once, when the given object is first read.</summary>
    private sealed class SwappingStorage(IObjectStorage inner, string trigger, Action swap) : ObjectStorageDecorator(inner)
    {
        private int _done;

        public override Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (key == trigger && Interlocked.Exchange(ref _done, 1) == 0)
            {
                swap();
            }

            return base.GetAsync(key, options, cancellationToken);
        }
    }

    /// <summary>The id of a process that has exited (and been reaped).</summary>
    private static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo(OperatingSystem.IsWindows() ? "cmd.exe" : "true") { Arguments = OperatingSystem.IsWindows() ? "/c exit 0" : string.Empty, UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}
