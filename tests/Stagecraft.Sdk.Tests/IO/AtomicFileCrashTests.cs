using System.Globalization;
using Stagecraft.IO;
using Stagecraft.Sdk.Tests.Locking;
using Stagecraft.TestChild;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.IO;

/// <summary>
/// SIGKILL a writer at random points; the target must always be exactly a whole version (the last committed
/// one or the one in flight), with that version's mtime. Iterations: STAGECRAFT_CRASH_ITERATIONS (default 6 per case).
/// </summary>
public class AtomicFileCrashTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);

    private static int Iterations => FileLockProcessTests.EnvInt("STAGECRAFT_CRASH_ITERATIONS", 6);

    [Theory]
    [InlineData("stream", 512 * 1024)]
    [InlineData("bytes", 64 * 1024)]
    [InlineData("sync", 4096)]
    public async Task A_writer_killed_at_random_points_leaves_old_or_new_content_never_a_torn_file(string mode, int size)
    {
        var random = new Random();
        using var dir = new TempDirectory("atomiccrash");
        var target = dir.Combine("state.bin");
        await File.WriteAllBytesAsync(target, AtomicFileVersions.Make(0, size));

        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            using var child = TestChildProcess.Start("atomic-write-loop", target, size.ToString(CultureInfo.InvariantCulture), mode);
            var warmUp = random.Next(1, 4);
            await child.WaitForLineAsync(l => l == $"committed {warmUp}", Generous);

            // A random point in the next writes: spin a random number of microseconds, then SIGKILL.
            SpinFor(TimeSpan.FromTicks(random.Next(0, 30_000)));
            child.Kill();
            await child.WaitForExitAsync(Generous);

            var lastPrinted = child.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.StartsWith("committed ", StringComparison.Ordinal))
                .Select(l => long.Parse(l["committed ".Length..], CultureInfo.InvariantCulture))
                .Max();

            var version = AtomicFileVersions.Read(await File.ReadAllBytesAsync(target), size);
            Assert.True(version is not null, $"iteration {iteration}: the target is torn (not one whole version)");
            Assert.True(version == lastPrinted || version == lastPrinted + 1, $"iteration {iteration}: target holds version {version}, last committed was {lastPrinted}");
            Assert.Equal(AtomicFileVersions.MTime(version!.Value), File.GetLastWriteTimeUtc(target));

            // Leftovers: at most the killed write's temporary, recognisable and removable.
            var others = Directory.GetFiles(dir.Path).Select(Path.GetFileName).Where(n => n != "state.bin").ToList();
            Assert.True(others.Count <= 1, $"unexpected leftovers: {string.Join(", ", others)}");
            Assert.All(others, n => Assert.True(AtomicFile.IsTemporaryFileName(n!), $"'{n}' is not a recognisable temporary"));
            Assert.Equal(others.Count, AtomicFile.DeleteTemporaryFiles(dir.Path, TimeSpan.Zero));
        }
    }

    [Fact]
    public async Task A_directory_replacer_killed_at_random_points_always_leaves_a_whole_recoverable_tree()
    {
        const int filesPerTree = 6;
        var random = new Random();
        using var dir = new TempDirectory("replacecrash");
        var target = dir.Combine("tree");
        Directory.CreateDirectory(target);
        for (var i = 0; i < filesPerTree; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(target, $"part-{i}.bin"), AtomicFileVersions.Make(0, 4096 + i));
        }

        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            using var child = TestChildProcess.Start("replace-dir-loop", target, filesPerTree.ToString(CultureInfo.InvariantCulture));
            var warmUp = random.Next(1, 4);
            await child.WaitForLineAsync(l => l == $"committed {warmUp}", Generous);
            SpinFor(TimeSpan.FromTicks(random.Next(0, 30_000)));
            child.Kill();
            await child.WaitForExitAsync(Generous);
            var lastPrinted = child.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.StartsWith("committed ", StringComparison.Ordinal))
                .Select(l => long.Parse(l["committed ".Length..], CultureInfo.InvariantCulture))
                .Max();

            // Before recovery: the target is whole, or (crash between the renames) missing with a whole aside.
            if (!Directory.Exists(target))
            {
                var aside = Assert.Single(Directory.GetDirectories(dir.Path, ".tree.stagecraft-aside-*"));
                AssertWholeTree(aside, filesPerTree, lastPrinted, iteration);
            }

            AtomicFile.RecoverDirectory(target);
            AssertWholeTree(target, filesPerTree, lastPrinted, iteration);
            var leftovers = Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Where(n => n != "tree").ToList();
            Assert.All(leftovers, n => Assert.Contains(".stagecraft-staging-", n!, StringComparison.Ordinal));
            foreach (var staging in leftovers)
            {
                Directory.Delete(Path.Combine(dir.Path, staging!), recursive: true);
            }
        }
    }

    private static void AssertWholeTree(string tree, int files, long lastPrinted, int iteration)
    {
        var names = Directory.GetFiles(tree).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(0, files).Select(i => $"part-{i}.bin").Order(StringComparer.Ordinal), names);
        var versions = Enumerable.Range(0, files)
            .Select(i => AtomicFileVersions.Read(File.ReadAllBytes(Path.Combine(tree, $"part-{i}.bin")), 4096 + i))
            .Distinct()
            .ToList();
        var version = Assert.Single(versions);
        Assert.True(version == lastPrinted || version == lastPrinted + 1, $"iteration {iteration}: tree holds version {version}, last committed was {lastPrinted}");
    }

    private static void SpinFor(TimeSpan duration)
    {
        var until = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < until)
        {
            Thread.SpinWait(50);
        }
    }
}
