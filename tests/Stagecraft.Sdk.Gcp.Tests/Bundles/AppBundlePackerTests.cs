using System.Security.Cryptography;
using Stagecraft.Gcp.Bundles;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Gcp.Tests.Bundles;

/// <summary>
/// The packer's archive is reproducible and readable by the system's own tools: GNU <c>tar</c> and <c>sha256sum</c>
/// are the outside anchors (our own reader could share a misunderstanding with our writer).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AppBundlePackerTests : IDisposable
{
    private readonly TempDirectory _temp = new("bundle-pack");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Packing_the_same_content_twice_and_from_a_copy_with_other_mtimes_gives_the_same_bytes()
    {
        var source = MakeTree(_temp.Combine("source"));
        var first = await AppBundlePacker.PackToFileAsync(source, _temp.Combine("first.tar.gz"));
        var second = await AppBundlePacker.PackToFileAsync(source, _temp.Combine("second.tar.gz"));

        // A copy created in another order, with other modification times and a permissive umask's modes on plain files.
        var copy = _temp.Combine("copy");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).OrderDescending(StringComparer.Ordinal))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            File.SetLastWriteTimeUtc(target, new DateTime(2031, 5, 6, 7, 8, 9, DateTimeKind.Utc));
            if ((File.GetUnixFileMode(file) & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.GroupRead);
            }
        }

        var fromCopy = await AppBundlePacker.PackToFileAsync(copy, _temp.Combine("copy.tar.gz"));

        Assert.Equal(first, second);
        Assert.Equal(first, fromCopy);
        Assert.Equal(await File.ReadAllBytesAsync(_temp.Combine("first.tar.gz")), await File.ReadAllBytesAsync(_temp.Combine("copy.tar.gz")));
    }

    [Fact]
    public async Task Changing_one_byte_changes_the_digest()
    {
        var source = MakeTree(_temp.Combine("source"));
        var before = await AppBundlePacker.PackToFileAsync(source, _temp.Combine("before.tar.gz"));
        await File.AppendAllTextAsync(Path.Combine(source, "lib", "Library.dll"), "!");
        var after = await AppBundlePacker.PackToFileAsync(source, _temp.Combine("after.tar.gz"));

        Assert.NotEqual(before, after);
    }

    [Fact]
    public async Task System_tar_lists_sorted_root_owned_entries_with_fixed_times_and_modes_and_sha256sum_agrees()
    {
        var source = MakeTree(_temp.Combine("source"));
        var archive = _temp.Combine("bundle.tar.gz");
        var sha256 = await AppBundlePacker.PackToFileAsync(source, archive);

        var sum = await RunAsync("sha256sum", archive);
        Assert.Equal(sha256, sum.Split(' ')[0]);

        // gzip header: no file name (FLG bit 3 clear) and MTIME 0, so the compressed bytes carry no time.
        var header = (await File.ReadAllBytesAsync(archive))[..10];
        Assert.Equal([0x1f, 0x8b, 8], header[..3]);
        Assert.Equal(0, header[3] & 0x08);
        Assert.Equal([0, 0, 0, 0], header[4..8]);

        var listing = (await RunAsync("tar", "--numeric-owner", "--full-time", "-tvzf", archive)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // Ordinal order: upper case before lower case, a directory right before what it holds.
        var expected = new[]
        {
            ("-rwxr-xr-x", "Stagecraft.App"),
            ("-rw-r--r--", "Stagecraft.App.dll"),
            ("drwxr-xr-x", "lib/"),
            ("-rw-r--r--", "lib/Library.dll"),
            ("drwxr-xr-x", "lib/nested/"),
            ("-rw-r--r--", "lib/nested/deep.json"),
            ("-rwxr-xr-x", "run.sh"),
        };
        Assert.Equal(expected.Length, listing.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            // "-rw-r--r-- 0/0 5 1970-01-02 00:00:00 lib/Library.dll"
            var fields = listing[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(expected[i].Item1, fields[0]);
            Assert.Equal("0/0", fields[1]);
            Assert.Equal("1970-01-02", fields[3]);
            Assert.Equal("00:00:00", fields[4]);
            Assert.Equal(expected[i].Item2, fields[5]);
        }

        // And what tar extracts is what was packed.
        var extracted = _temp.Combine("extracted");
        Directory.CreateDirectory(extracted);
        await RunAsync("tar", "-xzf", archive, "-C", extracted);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            Assert.Equal(await File.ReadAllBytesAsync(file), await File.ReadAllBytesAsync(Path.Combine(extracted, relative)));
        }
    }

    [Fact]
    public async Task A_directory_without_files_is_refused_naming_it()
    {
        var empty = _temp.Combine("empty");
        Directory.CreateDirectory(Path.Combine(empty, "sub"));
        using var sink = new MemoryStream();

        var error = await Assert.ThrowsAsync<AppBundleException>(() => AppBundlePacker.PackAsync(empty, sink));
        Assert.Contains(empty, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_pointing_outside_the_directory_is_refused_rather_than_dropped()
    {
        var source = MakeTree(_temp.Combine("source"));
        var outside = _temp.WriteFile("secret.txt", "not for the bundle");
        File.CreateSymbolicLink(Path.Combine(source, "leak.txt"), outside);
        using var sink = new MemoryStream();

        var error = await Assert.ThrowsAsync<AppBundleException>(() => AppBundlePacker.PackAsync(source, sink));
        Assert.Contains("leak.txt", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A miniature publish output: an apphost and a script with the execute bit, libraries without, a nested folder.</summary>
    private static string MakeTree(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "lib", "nested"));
        File.WriteAllText(Path.Combine(root, "Stagecraft.App"), "#!/bin/sh\necho app\n");
        File.SetUnixFileMode(Path.Combine(root, "Stagecraft.App"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(root, "run.sh"), "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(root, "run.sh"), UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        File.WriteAllBytes(Path.Combine(root, "Stagecraft.App.dll"), RandomNumberGenerator.GetBytes(4096));
        File.WriteAllText(Path.Combine(root, "lib", "Library.dll"), "bytes");
        File.WriteAllText(Path.Combine(root, "lib", "nested", "deep.json"), "{}");
        return root;
    }

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var run = await ProgramRun.RunAsync(program, arguments);
        Assert.True(run.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {run.Stderr}");
        return run.Stdout;
    }
}
