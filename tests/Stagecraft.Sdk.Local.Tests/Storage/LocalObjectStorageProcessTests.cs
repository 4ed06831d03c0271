using System.Globalization;
using System.Security.Cryptography;
using Stagecraft.Local.Storage;
using Stagecraft.Storage;
using Stagecraft.TestChild;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Storage;

/// <summary>
/// Claims that need real processes: compare-and-swap from several processes loses no update and is linearizable,
/// and a writer SIGKILLed anywhere in a put leaves the previous object whole. Iteration counts default modest;
/// raise them with STAGECRAFT_STORAGE_CAS_PROCESSES, STAGECRAFT_STORAGE_CAS_INCREMENTS,
/// STAGECRAFT_STORAGE_KILL_ITERATIONS and STAGECRAFT_STORAGE_KILL_OBJECT_BYTES.
/// </summary>
public sealed class LocalObjectStorageProcessTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Compare_and_swap_increments_from_several_processes_lose_no_update()
    {
        var processes = Setting("STAGECRAFT_STORAGE_CAS_PROCESSES", 4);
        var increments = Setting("STAGECRAFT_STORAGE_CAS_INCREMENTS", 25);
        using var temp = new TempDirectory("storage-cas");
        var storeDirectory = temp.Combine("store");
        var go = temp.Combine("go");
        var storage = new LocalObjectStorage(storeDirectory);

        var children = new List<TestChildProcess>();
        try
        {
            for (var i = 0; i < processes; i++)
            {
                children.Add(TestChildProcess.Start("storage-cas-increment", storeDirectory, "counters/c", Invariant(increments), go));
            }

            foreach (var child in children)
            {
                await child.WaitForLineAsync(line => line == "ready", Generous);
            }

            await File.WriteAllTextAsync(go, "go");
            foreach (var child in children)
            {
                Assert.True(await child.WaitForExitAsync(Generous) == 0, $"child failed:\n{child.StandardOutput}\n{child.StandardError}");
            }

            var writes = children
                .SelectMany(c => c.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Where(line => line.StartsWith("wrote ", StringComparison.Ordinal))
                .Select(line => line.Split(' '))
                .Select(parts => (Value: int.Parse(parts[1], CultureInfo.InvariantCulture), Generation: long.Parse(parts[2], CultureInfo.InvariantCulture)))
                .ToList();
            var total = processes * increments;

            // Every successful CAS wrote a distinct next value, and ordering the writes by generation gives
            // 1, 2, ..., total: each write read exactly the value its predecessor wrote (linearizable).
            Assert.Equal(total, writes.Count);
            Assert.Equal(Enumerable.Range(1, total), writes.OrderBy(w => w.Generation).Select(w => w.Value));

            await using var read = await storage.GetAsync("counters/c");
            using var reader = new StreamReader(read.Content);
            Assert.Equal(Invariant(total), await reader.ReadToEndAsync());
            Assert.Equal(writes.Max(w => w.Generation), read.Info.Generation);
        }
        finally
        {
            foreach (var child in children)
            {
                child.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_writer_killed_anywhere_in_a_put_leaves_the_previous_object_whole()
    {
        var iterations = Setting("STAGECRAFT_STORAGE_KILL_ITERATIONS", 8);
        var size = Setting("STAGECRAFT_STORAGE_KILL_OBJECT_BYTES", 2 * 1024 * 1024);
        var seed = Setting("STAGECRAFT_STORAGE_KILL_SEED", Environment.TickCount & int.MaxValue);
        var random = new Random(seed);
        using var temp = new TempDirectory("storage-kill");
        var storage = new LocalObjectStorage(temp.Path);
        const string Key = "models/model.bin";
        await storage.PutAsync(Key, new MemoryStream(StorageCommands.IterationContent(0, size)), IterationOptions(0));

        // Lines of one put: "putting", one "progress" per interval, "streamed", "put".
        var linesPerPut = (size / StorageCommands.ProgressInterval) + 3;
        long lastAcknowledged = 0;
        long next = 1;
        var verifiedWhileWriting = 0;
        for (var round = 0; round < iterations; round++)
        {
            var killAfterLines = random.Next(1, (2 * linesPerPut) + 1);
            using var child = TestChildProcess.Start("storage-put-loop", temp.Path, Key, Invariant(size), Invariant(next));
            var seen = 0;
            await child.WaitForLineAsync(_ => Interlocked.Increment(ref seen) >= killAfterLines, Generous);

            // While the child writes, a reader sees only whole versions.
            await VerifyObjectAsync(storage, Key, size, lastAcknowledged, long.MaxValue, $"seed {seed}, round {round}, concurrent read");
            verifiedWhileWriting++;

            child.Kill();
            await child.WaitForExitAsync(Generous);

            var lines = child.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var started = lines.Where(l => l.StartsWith("putting ", StringComparison.Ordinal)).Select(l => long.Parse(l[8..], CultureInfo.InvariantCulture)).DefaultIfEmpty(next - 1).Max();
            lastAcknowledged = lines.Where(l => l.StartsWith("put ", StringComparison.Ordinal)).Select(l => long.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture)).DefaultIfEmpty(lastAcknowledged).Max();

            // Old or new, whole either way: never older than the last acknowledged put, never a version not begun.
            await VerifyObjectAsync(storage, Key, size, lastAcknowledged, started, $"seed {seed}, round {round}, killed after {killAfterLines} lines");
            var listed = new List<string>();
            await foreach (var entry in storage.ListAsync(""))
            {
                listed.Add(entry.Object!.Key);
            }

            Assert.Equal([Key], listed);
            next = started + 1;
        }

        Assert.Equal(iterations, verifiedWhileWriting);

        // Killed writers leave staged uploads behind; opening the store removes those old enough.
        _ = new LocalObjectStorage(temp.Path, new LocalObjectStorageOptions { AbandonedUploadAge = TimeSpan.Zero });
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(temp.Path, "staging")));
    }

    private static async Task VerifyObjectAsync(LocalObjectStorage storage, string key, int size, long atLeast, long atMost, string context)
    {
        await using var read = await storage.GetAsync(key);
        var iteration = long.Parse(read.Info.Metadata[StorageCommands.IterationMetadataKey], CultureInfo.InvariantCulture);
        Assert.True(iteration >= atLeast && iteration <= atMost, $"{context}: found iteration {iteration}, expected {atLeast}..{atMost}");
        using var buffer = new MemoryStream();
        await read.Content.CopyToAsync(buffer);
        var expected = StorageCommands.IterationContent(iteration, size);
        Assert.True(expected.AsSpan().SequenceEqual(buffer.ToArray()), $"{context}: content of iteration {iteration} is not whole ({buffer.Length} of {expected.Length} bytes)");
        Assert.Equal(expected.Length, read.Info.Size);
        Assert.Equal(Convert.ToBase64String(MD5.HashData(expected)), read.Info.Md5);
    }

    private static PutObjectOptions IterationOptions(long iteration) => new()
    {
        Metadata = new Dictionary<string, string> { [StorageCommands.IterationMetadataKey] = Invariant(iteration) },
    };

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
