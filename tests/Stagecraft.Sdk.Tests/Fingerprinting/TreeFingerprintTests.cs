using System.Security.Cryptography;
using System.Text;
using Stagecraft.Fingerprinting;
using Stagecraft.Locking;
using Stagecraft.Sdk.Tests.Locking;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.Fingerprinting;

public class TreeFingerprintTests
{
    [Fact]
    public async Task Same_content_written_in_different_orders_and_hashed_with_any_parallelism_gives_one_hash()
    {
        using var a = new TempDirectory("fp");
        using var b = new TempDirectory("fp");
        var files = SampleFiles(60);
        foreach (var (path, content) in files)
        {
            Write(a.Path, path, content);
        }

        foreach (var (path, content) in files.AsEnumerable().Reverse())
        {
            Write(b.Path, path, content);
        }

        var expected = await TreeFingerprint.ComputeAsync(a.Path, new TreeFingerprintOptions { MaxParallelism = 1 });
        Assert.Matches("^[0-9a-f]{64}$", expected);
        foreach (var parallelism in new[] { 1, 2, 3, 8, 64 })
        {
            Assert.Equal(expected, await TreeFingerprint.ComputeAsync(b.Path, new TreeFingerprintOptions { MaxParallelism = parallelism }));
        }

        Assert.Equal(expected, await TreeFingerprint.ComputeAsync(a.Path + Path.DirectorySeparatorChar));
    }

    [Fact]
    public async Task The_hash_follows_the_documented_encoding()
    {
        using var dir = new TempDirectory("fp");
        Write(dir.Path, "b.txt", "B");
        Write(dir.Path, "a/x.bin", "xx");

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData("stagecraft-tree-v2\n"u8);
        foreach (var (path, content) in new[] { ("a/x.bin", "xx"), ("b.txt", "B") })
        {
            var pathBytes = Encoding.UTF8.GetBytes(path);
            sha.AppendData("F"u8);
            sha.AppendData([0, 0, 0, (byte)pathBytes.Length]);
            sha.AppendData(pathBytes);
            sha.AppendData([0, 0, 0, 0, 0, 0, 0, (byte)content.Length]);
            sha.AppendData(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        }

        Assert.Equal(Convert.ToHexStringLower(sha.GetHashAndReset()), await TreeFingerprint.ComputeAsync(dir.Path));
    }

    [Fact]
    public async Task Any_byte_path_rename_move_or_added_file_changes_the_hash()
    {
        using var dir = new TempDirectory("fp");
        foreach (var (path, content) in SampleFiles(10))
        {
            Write(dir.Path, path, content);
        }

        var seen = new HashSet<string> { await TreeFingerprint.ComputeAsync(dir.Path) };
        async Task AssertChanged(string what)
        {
            var now = await TreeFingerprint.ComputeAsync(dir.Path);
            Assert.True(seen.Add(now), $"fingerprint did not change after: {what}");
        }

        var victim = Path.Combine(dir.Path, "d1", "f1.bin");
        var bytes = await File.ReadAllBytesAsync(victim);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(victim, bytes);
        await AssertChanged("one bit flipped");

        await File.WriteAllBytesAsync(victim, [.. bytes, 0]);
        await AssertChanged("one byte appended");

        File.Move(victim, Path.Combine(dir.Path, "d1", "f1.renamed"));
        await AssertChanged("rename");

        File.Move(Path.Combine(dir.Path, "d1", "f1.renamed"), Path.Combine(dir.Path, "d2", "f1.renamed"));
        await AssertChanged("move to another directory");

        Write(dir.Path, "d3/empty", string.Empty);
        await AssertChanged("empty file added");

        // Boundary shift: same concatenated bytes, different split between two files.
        Write(dir.Path, "s/a", "ab");
        Write(dir.Path, "s/b", "c");
        await AssertChanged("split files added");
        Write(dir.Path, "s/a", "a");
        Write(dir.Path, "s/b", "bc");
        await AssertChanged("bytes moved across a file boundary");
    }

    [Fact]
    public async Task Excluded_marker_names_and_atomic_temporaries_do_not_count_anywhere_in_the_tree()
    {
        using var dir = new TempDirectory("fp");
        Write(dir.Path, "data/x.txt", "x");
        var options = new TreeFingerprintOptions { ExcludedFileNames = new HashSet<string>(StringComparer.Ordinal) { "_complete", "_fp.txt" } };
        var before = await TreeFingerprint.ComputeAsync(dir.Path, options);

        Write(dir.Path, "_complete", "1");
        Write(dir.Path, "data/_fp.txt", "abc");
        Write(dir.Path, "data/.x.txt.0123456789ab.stagecraft-tmp", "half-written");
        Assert.Equal(before, await TreeFingerprint.ComputeAsync(dir.Path, options));

        Assert.NotEqual(before, await TreeFingerprint.ComputeAsync(dir.Path, options with { ExcludedFileNames = new HashSet<string>() }));
    }

    [Fact]
    public async Task Hidden_files_count()
    {
        using var dir = new TempDirectory("fp");
        Write(dir.Path, "x", "x");
        var before = await TreeFingerprint.ComputeAsync(dir.Path);
        Write(dir.Path, ".hidden/.config", "y");
        Assert.NotEqual(before, await TreeFingerprint.ComputeAsync(dir.Path));
    }

    [Fact]
    public async Task Streaming_entries_come_in_path_order_and_combine_to_the_tree_hash()
    {
        using var dir = new TempDirectory("fp");
        foreach (var (path, content) in SampleFiles(40))
        {
            Write(dir.Path, path, content);
        }

        var progress = new List<TreeFingerprintProgress>();
        var options = new TreeFingerprintOptions { MaxParallelism = 4, Progress = new SyncProgress(progress) };
        var entries = new List<TreeFingerprintEntry>();
        await foreach (var entry in TreeFingerprint.EnumerateEntriesAsync(dir.Path, options))
        {
            entries.Add(entry);
        }

        Assert.Equal(40, entries.Count);
        Assert.Equal(entries.Select(e => e.RelativePath).Order(StringComparer.Ordinal), entries.Select(e => e.RelativePath));
        var first = entries[0];
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(dir.Path, first.RelativePath)))), first.Sha256);
        Assert.Equal(new FileInfo(Path.Combine(dir.Path, first.RelativePath)).Length, first.Size);

        var expected = await TreeFingerprint.ComputeAsync(dir.Path);
        Assert.Equal(expected, TreeFingerprint.Combine(entries));
        Assert.Equal(expected, TreeFingerprint.Combine(entries.AsEnumerable().Reverse()));
        Assert.Equal(40, progress[^1].FilesHashed);
        Assert.Equal(entries.Sum(e => e.Size), progress[^1].BytesHashed);
    }

    [UnixFact]
    public async Task Symbolic_links_follow_the_directory_walker_rule()
    {
        using var dir = new TempDirectory("fp");
        using var outside = new TempDirectory("fp-outside");
        Write(dir.Path, "real/file.txt", "content");
        Write(outside.Path, "secret.txt", "secret");
        File.CreateSymbolicLink(Path.Combine(dir.Path, "link-to-file"), "real/file.txt");
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "loop"), "."); // would recurse forever if followed
        File.CreateSymbolicLink(Path.Combine(dir.Path, "secret"), Path.Combine(outside.Path, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(dir.Path, "dangling"), "missing.txt");

        var entries = new List<TreeFingerprintEntry>();
        await foreach (var entry in TreeFingerprint.EnumerateEntriesAsync(dir.Path))
        {
            entries.Add(entry);
        }

        // The link inside is read through (its content under its own name); the loop, the secret and the dangling link are not part of the tree.
        Assert.Equal(["link-to-file", "real/file.txt"], entries.Select(e => e.RelativePath));
        Assert.Equal(entries[1].Sha256, entries[0].Sha256);

        var before = await TreeFingerprint.ComputeAsync(dir.Path);
        await File.WriteAllTextAsync(Path.Combine(outside.Path, "secret.txt"), "changed");
        Assert.Equal(before, await TreeFingerprint.ComputeAsync(dir.Path));
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "real", "file.txt"), "changed");
        Assert.NotEqual(before, await TreeFingerprint.ComputeAsync(dir.Path));
    }

    [UnixFact]
    public async Task A_held_lock_file_inside_the_tree_does_not_break_hashing()
    {
        // .NET's own File.OpenHandle takes flock(LOCK_SH) and would fail here; the fingerprint opens files plainly.
        using var dir = new TempDirectory("fp");
        Write(dir.Path, "x", "x");
        using var held = await FileLock.AcquireAsync(Path.Combine(dir.Path, "tree.lock"));
        Assert.Throws<IOException>(() => File.OpenHandle(held.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite).Dispose());
        var entries = new List<TreeFingerprintEntry>();
        await foreach (var entry in TreeFingerprint.EnumerateEntriesAsync(dir.Path))
        {
            entries.Add(entry);
        }

        Assert.Equal(["tree.lock", "x"], entries.Select(e => e.RelativePath));
    }

    [Fact]
    public async Task Empty_and_missing_directories()
    {
        using var dir = new TempDirectory("fp");
        var empty = await TreeFingerprint.ComputeAsync(dir.Path);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("stagecraft-tree-v2\n"u8)), empty);
        Directory.CreateDirectory(Path.Combine(dir.Path, "only", "dirs"));
        Assert.Equal(empty, await TreeFingerprint.ComputeAsync(dir.Path));

        var missing = Path.Combine(dir.Path, "nope");
        var e = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => TreeFingerprint.ComputeAsync(missing));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_stops_hashing()
    {
        using var dir = new TempDirectory("fp");
        foreach (var (path, content) in SampleFiles(20))
        {
            Write(dir.Path, path, content);
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TreeFingerprint.ComputeAsync(dir.Path, cancellationToken: new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task Invalid_parallelism_is_rejected()
    {
        using var dir = new TempDirectory("fp");
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => TreeFingerprint.ComputeAsync(dir.Path, new TreeFingerprintOptions { MaxParallelism = 0 }));
    }

    private static List<(string Path, string Content)> SampleFiles(int count)
    {
        var random = new Random(42);
        return Enumerable.Range(0, count)
            .Select(i => ($"d{i % 4}/f{i}.bin", new string((char)('a' + random.Next(26)), random.Next(1, 5000))))
            .ToList();
    }

    private static void Write(string root, string relative, string content)
    {
        var full = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    private sealed class SyncProgress(List<TreeFingerprintProgress> sink) : IProgress<TreeFingerprintProgress>
    {
        public void Report(TreeFingerprintProgress value) => sink.Add(value);
    }
}
