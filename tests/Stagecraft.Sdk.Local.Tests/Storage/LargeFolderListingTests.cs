using System.Globalization;
using Stagecraft.IO;
using Stagecraft.Local.Storage;
using Stagecraft.Storage;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Storage;

/// <summary>
/// Listing a folder big enough for its sorted entries to be kept between pages: pages start by binary search, and the
/// kept entries never hide a change (an object written or deleted after they were read).
/// </summary>
public sealed class LargeFolderListingTests : IDisposable
{
    private const int Count = 600;

    private readonly TempDirectory _root = new("large-folder");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Paged_prefix_and_delimiter_listings_of_a_kept_folder_are_exact_and_see_later_writes_and_deletes()
    {
        var storage = new LocalObjectStorage(_root.Path, new LocalObjectStorageOptions { Durability = Durability.None });
        var keys = Enumerable.Range(0, Count).Select(i => string.Create(CultureInfo.InvariantCulture, $"big/item-{i:D5}")).ToList();
        await Parallel.ForEachAsync(keys, async (key, ct) => await storage.PutAsync(key, new MemoryStream([1]), null, ct));
        await storage.PutAsync("big/sub/deep", new MemoryStream([2]));
        Directory.SetLastWriteTimeUtc(Path.Combine(_root.Path, "objects", "big"), DateTime.UtcNow.AddMinutes(-1)); // settled: kept between pages

        Assert.Equal([.. keys, "big/sub/deep"], await ListAsync(storage, "big/", null, pageSize: 7));
        Assert.Equal(["big/item-00420", "big/item-00421", "big/item-00422", "big/item-00423", "big/item-00424", "big/item-00425", "big/item-00426", "big/item-00427", "big/item-00428", "big/item-00429"], await ListAsync(storage, "big/item-0042", null, pageSize: 3));
        Assert.Equal([.. keys, "big/sub/"], await ListAsync(storage, "big/", "/", pageSize: 11));
        Assert.Equal(["big/"], await ListAsync(storage, "", "/", pageSize: 1));

        await storage.PutAsync("big/item-00300x", new MemoryStream([3]));
        await storage.DeleteAsync("big/item-00007");
        var expected = keys.Where(k => k != "big/item-00007").Append("big/item-00300x").Append("big/sub/deep").Order(ObjectKeyComparer.Instance).ToList();
        Assert.Equal(expected, await ListAsync(storage, "big/", null, pageSize: 50));
    }

    [Fact]
    public async Task A_narrowing_prefix_still_finds_keys_whose_segment_is_stored_under_a_hashed_name()
    {
        var storage = new LocalObjectStorage(_root.Path, new LocalObjectStorageOptions { Durability = Durability.None });
        var longKey = "big/x" + new string('y', 300);
        await storage.PutAsync(longKey, new MemoryStream([1]));
        await storage.PutAsync(longKey + "/inside", new MemoryStream([2]));
        await storage.PutAsync("big/xa", new MemoryStream([3]));
        await storage.PutAsync("big/z", new MemoryStream([4]));

        Assert.Equal(["big/xa", longKey, longKey + "/inside"], await ListAsync(storage, "big/x", null, pageSize: 2));
        Assert.Equal(["big/xa", longKey, longKey + "/"], await ListAsync(storage, "big/x", "/", pageSize: 2));
    }

    private static async Task<List<string>> ListAsync(IObjectStorage storage, string prefix, string? delimiter, int pageSize)
    {
        var listed = new List<string>();
        await foreach (var entry in storage.ListAsync(prefix, new ListObjectsOptions { Delimiter = delimiter, PageSize = pageSize }))
        {
            listed.Add(entry.Prefix ?? entry.Object!.Key);
        }

        return listed;
    }
}
