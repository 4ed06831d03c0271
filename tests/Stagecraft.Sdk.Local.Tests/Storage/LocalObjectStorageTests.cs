using System.Security.Cryptography;
using System.Text;
using Stagecraft.Local.Storage;
using Stagecraft.Storage;
using Stagecraft.Testing;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Local.Tests.Storage;

/// <summary>What only the directory-backed store has: persistence, its layout, paging, housekeeping, corruption.</summary>
public sealed class LocalObjectStorageTests : IDisposable
{
    private readonly TempDirectory _root = new("object-store");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Objects_and_generations_survive_reopening_the_store()
    {
        var first = await new LocalObjectStorage(_root.Path).PutAsync("k", Text("v1"), new PutObjectOptions { Metadata = new Dictionary<string, string> { ["m"] = "1" } });
        var reopened = new LocalObjectStorage(_root.Path);
        var stat = await reopened.StatAsync("k");
        Assert.Equal(first, stat! with { Metadata = first.Metadata });
        Assert.Equal("1", stat.Metadata["m"]);
        Assert.True(await reopened.DeleteAsync("k"));
        var again = await new LocalObjectStorage(_root.Path).PutAsync("k", Text("v2"));
        Assert.True(again.Generation > first.Generation);
    }

    [Fact]
    public async Task Generations_increase_even_when_the_clock_stands_still_or_steps_back()
    {
        var clock = new SettableClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var storage = new LocalObjectStorage(_root.Path, new LocalObjectStorageOptions { TimeProvider = clock });
        var a = await storage.PutAsync("k", Text("1"));
        var b = await storage.PutAsync("k", Text("2"));
        await storage.DeleteAsync("k");
        clock.Now = clock.Now.AddYears(-10);
        var c = await storage.PutAsync("k", Text("3"));
        Assert.True(a.Generation < b.Generation && b.Generation < c.Generation, $"{a.Generation} {b.Generation} {c.Generation}");
        Assert.Equal(clock.Now, c.Updated);
    }

    [Fact]
    public async Task Two_store_instances_on_one_directory_serialise_compare_and_swap()
    {
        var one = new LocalObjectStorage(_root.Path);
        var two = new LocalObjectStorage(_root.Path);
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            for (var n = 0; n < 10; n++)
            {
                await ObjectStorageContractTests.IncrementAsync(i % 2 == 0 ? one : two, "counter");
            }
        })));
        await using var read = await one.GetAsync("counter");
        Assert.Equal("60", await new StreamReader(read.Content).ReadToEndAsync());
    }

    [Fact]
    public async Task Readers_see_only_whole_versions_while_a_writer_replaces_the_object()
    {
        var storage = new LocalObjectStorage(_root.Path, new LocalObjectStorageOptions { Durability = IO.Durability.None });
        byte[][] versions = [Enumerable.Repeat((byte)'a', 700_000).ToArray(), Enumerable.Repeat((byte)'b', 300_001).ToArray()];
        await storage.PutAsync("flip", new MemoryStream(versions[0]));
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 1; i <= 40; i++)
            {
                await storage.PutAsync("flip", new NonSeekableStream(versions[i % 2], chunk: 50_000));
            }
        });

        var reads = 0;
        while (!writer.IsCompleted || reads < 5)
        {
            await using var read = await storage.GetAsync("flip");
            using var buffer = new MemoryStream();
            await read.Content.CopyToAsync(buffer);
            var bytes = buffer.ToArray();
            Assert.Contains(versions, v => v.AsSpan().SequenceEqual(bytes));
            Assert.Equal(read.Info.Size, bytes.Length);
            Assert.Equal(read.Info.Md5, Convert.ToBase64String(MD5.HashData(bytes)));
            reads++;
        }

        await writer;
    }

    [Fact]
    public async Task Listing_really_pages_at_the_requested_size()
    {
        var storage = new LocalObjectStorage(_root.Path);
        for (var i = 0; i < 10; i++)
        {
            await storage.PutAsync($"p/{i}", Text("x"));
        }

        var pages = new List<IReadOnlyList<ObjectListEntry>>();
        ListCursor? cursor = null;
        do
        {
            var page = storage.ReadPage("p/", null, 3, cursor);
            pages.Add(page.Entries);
            cursor = page.Next;
        }
        while (cursor is not null);

        Assert.Equal([3, 3, 3, 1], pages.Select(p => p.Count));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"p/{i}"), pages.SelectMany(p => p).Select(e => e.Object!.Key));
    }

    [Fact]
    public async Task Long_segments_are_stored_under_hashed_names_and_still_list_in_order()
    {
        var storage = new LocalObjectStorage(_root.Path);
        var longSegment = new string('L', 400);
        string[] keys = [$"{longSegment}/b", $"{longSegment}/a", "M", $"x/{longSegment}", $"x/{longSegment}z"];
        foreach (var key in keys)
        {
            await storage.PutAsync(key, Text(key));
        }

        var listed = new List<string>();
        await foreach (var entry in storage.ListAsync(""))
        {
            listed.Add(entry.Object!.Key);
        }

        Assert.Equal(keys.Order(ObjectKeyComparer.Instance), listed);

        var folded = new List<string>();
        await foreach (var entry in storage.ListAsync("", new ListObjectsOptions { Delimiter = "/", PageSize = 1 }))
        {
            folded.Add(entry.Prefix ?? entry.Object!.Key);
        }

        Assert.Equal([$"{longSegment}/", "M", "x/"], folded);
        Assert.All(Directory.EnumerateFileSystemEntries(_root.Path, "*", SearchOption.AllDirectories), path =>
            Assert.True(Encoding.UTF8.GetByteCount(Path.GetFileName(path)) <= 255, path));
    }

    [Fact]
    public async Task Deleting_the_last_object_of_a_folder_removes_its_empty_directories()
    {
        var storage = new LocalObjectStorage(_root.Path);
        await storage.PutAsync("jobs/j1/logs/stdout.log", Text("x"));
        await storage.PutAsync("jobs/keep", Text("x"));
        await storage.DeleteAsync("jobs/j1/logs/stdout.log");
        Assert.False(Directory.Exists(Path.Combine(_root.Path, "objects", "jobs", "j1")));
        Assert.True(Directory.Exists(Path.Combine(_root.Path, "objects", "jobs")));
    }

    [Fact]
    public void Abandoned_uploads_older_than_the_limit_are_removed_when_a_store_opens()
    {
        _ = new LocalObjectStorage(_root.Path);
        var staging = Path.Combine(_root.Path, "staging");
        var old = Path.Combine(staging, "old.upload");
        var fresh = Path.Combine(staging, "fresh.upload");
        File.WriteAllText(old, "partial");
        File.WriteAllText(fresh, "in progress");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-2));

        _ = new LocalObjectStorage(_root.Path);

        Assert.False(File.Exists(old));
        Assert.True(File.Exists(fresh));
    }

    [Fact]
    public async Task A_damaged_object_file_is_reported_as_corrupt_not_misread()
    {
        var storage = new LocalObjectStorage(_root.Path);
        await storage.PutAsync("d/victim", Text("some content"));
        var file = Directory.EnumerateFiles(Path.Combine(_root.Path, "objects"), "*#", SearchOption.AllDirectories).Single();
        using (var stream = File.OpenWrite(file))
        {
            stream.SetLength(stream.Length - 3);
        }

        var ex = await Assert.ThrowsAsync<StorageException>(() => storage.GetAsync("d/victim"));
        Assert.Contains("corrupt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_with_another_layout_version_is_refused()
    {
        _ = new LocalObjectStorage(_root.Path);
        File.WriteAllText(Path.Combine(_root.Path, "stagecraft-object-store.json"), """{"layout":"stagecraft-local-object-storage","version":99}""");
        var ex = Assert.Throws<StorageException>(() => new LocalObjectStorage(_root.Path));
        Assert.Contains("version\":99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LocalObjectStorage(_root.Path, new LocalObjectStorageOptions { DefaultPageSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LocalObjectStorage(_root.Path, new LocalObjectStorageOptions { AbandonedUploadAge = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LocalObjectStorage(_root.Path).ListAsync("", new ListObjectsOptions { PageSize = 0 }));
        Assert.Throws<ArgumentException>(() => new LocalObjectStorage(_root.Path).ListAsync("", new ListObjectsOptions { Delimiter = "" }));
    }

    [Theory]
    [InlineData("plain-name_1.txt", "plain-name_1.txt")]
    [InlineData("Model", "^model")]
    [InlineData("a b", "a%20b")]
    [InlineData("100%", "100%25")]
    [InlineData("é", "%C3%A9")]
    [InlineData("a#b", "a%23b")]
    [InlineData("^", "%5E")]
    public void Segments_encode_to_portable_names_and_back(string segment, string encoded)
    {
        Assert.Equal(encoded, ObjectPathEncoding.EncodeSegment(segment));
        Assert.Equal(segment, ObjectPathEncoding.DecodeSegment(encoded));
    }

    [Theory]
    [InlineData("UPPER")]
    [InlineData("%4a")]
    [InlineData("%G0")]
    [InlineData("^A")]
    [InlineData("a#")]
    [InlineData("%C3")]
    public void Names_the_store_never_produces_do_not_decode(string name) => Assert.Null(ObjectPathEncoding.DecodeSegment(name));

    private static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));

    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
