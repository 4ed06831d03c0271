using Stagecraft.Gcp.Emulation.Faults;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Storage;

namespace Stagecraft.Sdk.Gcp.Tests.Storage;

public sealed class GcsListTests
{
    private static readonly FakeGcsOptions ShortPages = new()
    {
        RequiredBearerToken = GcsTestBed.Token,
        MaxPageSize = 2,
        MaxScannedPerPage = 3,
        EmptyPageEvery = 3,
    };

    private static async Task<List<ObjectListEntry>> ListAsync(GcsTestBed bed, string prefix, ListObjectsOptions? options = null)
    {
        var entries = new List<ObjectListEntry>();
        await foreach (var entry in bed.Storage.ListAsync(prefix, options))
        {
            entries.Add(entry);
        }

        return entries;
    }

    private static string Name(ObjectListEntry e) => e.Prefix ?? e.Object!.Key;

    [Fact]
    public async Task Listing_pages_through_short_and_empty_pages_in_order()
    {
        await using var bed = await GcsTestBed.StartAsync(ShortPages);
        var keys = Enumerable.Range(0, 11).Select(i => $"runs/r{i:D2}/exit_code").Append("other/x").ToList();
        foreach (var key in keys)
        {
            bed.Server.Seed(GcsTestBed.Bucket, key, [1]);
        }

        var entries = await ListAsync(bed, "runs/");

        Assert.Equal(keys.Where(k => k.StartsWith("runs/", StringComparison.Ordinal)).Order(StringComparer.Ordinal), entries.Select(Name));
        Assert.All(entries, e => Assert.False(e.IsPrefix));
        Assert.True(bed.Server.Requests.Count(r => r.Operation == FakeGcsOperation.List) >= 6);
    }

    [Fact]
    public async Task Delimiter_folds_prefixes_once_even_when_a_prefix_straddles_pages()
    {
        await using var bed = await GcsTestBed.StartAsync(ShortPages);
        string[] keys = ["a/1", "a/2", "a/3", "a/4", "a/5", "b", "c/1", "c/2", "d", "e/x/y"];
        foreach (var key in keys)
        {
            bed.Server.Seed(GcsTestBed.Bucket, key, [1]);
        }

        var entries = await ListAsync(bed, string.Empty, new ListObjectsOptions { Delimiter = "/" });

        Assert.Equal(["a/", "b", "c/", "d", "e/"], entries.Select(Name));
        Assert.Equal([true, false, true, false, true], entries.Select(e => e.IsPrefix));
        var nested = await ListAsync(bed, "e/", new ListObjectsOptions { Delimiter = "/" });
        Assert.Equal(["e/x/"], nested.Select(Name));
    }

    [Fact]
    public async Task Listing_follows_code_point_order_like_the_service()
    {
        await using var bed = await GcsTestBed.StartAsync(ShortPages);
        // U+FF21 sorts below U+1F600 in UTF-8 and code points, but above its surrogates in UTF-16.
        string[] keys = ["k/\uFF21", "k/\U0001F600", "k/z", "k/A"];
        foreach (var key in keys)
        {
            bed.Server.Seed(GcsTestBed.Bucket, key, [1]);
        }

        var entries = await ListAsync(bed, "k/");

        Assert.Equal(["k/A", "k/z", "k/\uFF21", "k/\U0001F600"], entries.Select(Name));
    }

    [Fact]
    public async Task Listing_retries_a_503_on_a_page_request()
    {
        await using var bed = await GcsTestBed.StartAsync(ShortPages);
        foreach (var i in Enumerable.Range(0, 6))
        {
            bed.Server.Seed(GcsTestBed.Bucket, $"p/{i}", [1]);
        }

        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(2, FaultKind.Status, r => r.Operation == FakeGcsOperation.List, statusCode: 503));
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(4, FaultKind.ResetBeforeProcessing, r => r.Operation == FakeGcsOperation.List));

        var entries = await ListAsync(bed, "p/");

        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"p/{i}"), entries.Select(Name));
        Assert.Equal(2, bed.Server.Faults.Injected.Count);
    }

    [Fact]
    public async Task Listed_objects_carry_generation_size_checksum_and_user_metadata()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var put = await bed.Storage.PutAsync("m/one", new MemoryStream([1, 2, 3]), new PutObjectOptions { Metadata = new Dictionary<string, string> { ["k"] = "v" } });

        var listed = Assert.Single(await ListAsync(bed, "m/")).Object!;

        Assert.Equal(put.Generation, listed.Generation);
        Assert.Equal(3, listed.Size);
        Assert.Equal(put.Crc32c, listed.Crc32c);
        Assert.Equal(new Dictionary<string, string> { ["k"] = "v" }, listed.Metadata);
    }

    [Fact]
    public async Task Invalid_prefix_is_rejected_before_any_request()
    {
        await using var bed = await GcsTestBed.StartAsync();

        Assert.Throws<ArgumentException>(() => bed.Storage.ListAsync("/abs"));
        Assert.Throws<ArgumentException>(() => bed.Storage.ListAsync("a//b"));
        await Assert.ThrowsAsync<ArgumentException>(() => ListAsync(bed, "p/", new ListObjectsOptions { Delimiter = string.Empty }));
        Assert.Empty(bed.Server.Requests);
    }
}
