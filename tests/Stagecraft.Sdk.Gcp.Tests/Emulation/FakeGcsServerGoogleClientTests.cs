using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google;
using Google.Apis.Auth.OAuth2;
using Google.Cloud.Storage.V1;
using Stagecraft.Gcp.Emulation.Storage;
using GcsObject = Google.Apis.Storage.v1.Data.Object;

namespace Stagecraft.Sdk.Gcp.Tests.Emulation;

/// <summary>
/// The fake checked against Google's own .NET client, used directly (not through Stagecraft's adapter): whatever the
/// official client sends must be answered as Cloud Storage answers it, or refused with 501 — never half-understood.
/// </summary>
public sealed class FakeGcsServerGoogleClientTests : IAsyncLifetime
{
    private const string Bucket = "test-bucket";

    private FakeGcsServer _server = null!;
    private StorageClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeGcsServer.StartAsync(new FakeGcsOptions { RequiredBearerToken = "t", MaxPageSize = 2, RewriteBytesPerCall = 300_000 });
        _client = new StorageClientBuilder
        {
            BaseUri = _server.Endpoint.AbsoluteUri + "storage/v1/",
            Credential = GoogleCredential.FromAccessToken("t"),
        }.Build();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public async Task Uploads_small_and_chunked_commit_verified_objects_with_their_metadata()
    {
        var small = await _client.UploadObjectAsync(new GcsObject { Bucket = Bucket, Name = "a/small.txt", ContentType = "text/plain", Metadata = new Dictionary<string, string> { ["k"] = "v" } }, new MemoryStream(Encoding.UTF8.GetBytes("hello")));
        var bigData = Bytes((3 * 256 * 1024) + 17, 1);
        var big = await _client.UploadObjectAsync(Bucket, "a/big.bin", null, new NonSeekable(bigData), new UploadObjectOptions { ChunkSize = 256 * 1024 });

        Assert.Equal("v", small.Metadata["k"]);
        Assert.Equal("text/plain", small.ContentType);
        Assert.Equal(5UL, small.Size);
        Assert.Equal(bigData, _server.GetObject(Bucket, "a/big.bin")!.Data);
        Assert.Equal(_server.GetObject(Bucket, "a/big.bin")!.Crc32c, big.Crc32c);
        Assert.All(_server.Commits, c => Assert.True(c.ChecksumVerified));
        Assert.True(_server.Requests.Count(r => r.Operation == FakeGcsOperation.ResumableChunk) >= 5);
    }

    [Fact]
    public async Task Downloads_whole_and_ranged_validate_against_the_fakes_hashes()
    {
        var data = Bytes(500_000, 2);
        _server.Seed(Bucket, "d.bin", data);

        using var whole = new MemoryStream();
        var downloaded = await _client.DownloadObjectAsync(Bucket, "d.bin", whole, new DownloadObjectOptions { DownloadValidationMode = DownloadValidationMode.Always });
        using var part = new MemoryStream();
        await _client.DownloadObjectAsync(Bucket, "d.bin", part, new DownloadObjectOptions { Range = new RangeHeaderValue(1000, 1999), DownloadValidationMode = DownloadValidationMode.Never });

        Assert.Equal(data, whole.ToArray());
        Assert.Equal(data[1000..2000], part.ToArray());
        Assert.Equal(_server.GetObject(Bucket, "d.bin")!.Generation, downloaded.Generation);
    }

    [Fact]
    public async Task Gzip_stored_object_downloads_decompressed_with_automatic_validation()
    {
        var text = string.Concat(Enumerable.Range(0, 5000).Select(i => $"row {i}\n"));
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        _server.Seed(Bucket, "z.log", buffer.ToArray(), "text/plain", contentEncoding: "gzip");

        using var target = new MemoryStream();
        await _client.DownloadObjectAsync(Bucket, "z.log", target, new DownloadObjectOptions { DownloadValidationMode = DownloadValidationMode.Automatic });
        var metadata = await _client.GetObjectAsync(Bucket, "z.log");

        Assert.Equal(text, Encoding.UTF8.GetString(target.ToArray()));
        Assert.Equal("gzip", metadata.ContentEncoding);
    }

    [Fact]
    public async Task Listing_pages_folds_prefixes_and_filters_by_glob_and_offsets()
    {
        foreach (var name in new[] { "l/a.txt", "l/b.csv", "l/c.txt", "l/d/e.txt", "l/d/f.csv", "l/g.txt" })
        {
            _server.Seed(Bucket, name, [1]);
        }

        var pages = await _client.ListObjectsAsync(Bucket, "l/", new ListObjectsOptions { Delimiter = "/", PageSize = 2 }).AsRawResponses().ToListAsync();
        var all = await _client.ListObjectsAsync(Bucket, "l/").Select(o => o.Name).ToListAsync();
        var txt = await _client.ListObjectsAsync(Bucket, null, new ListObjectsOptions { MatchGlob = "l/**.txt" }).Select(o => o.Name).ToListAsync();
        var topTxt = await _client.ListObjectsAsync(Bucket, null, new ListObjectsOptions { MatchGlob = "l/*.txt" }).Select(o => o.Name).ToListAsync();
        var window = await _client.ListObjectsAsync(Bucket, "l/", new ListObjectsOptions { StartOffset = "l/b.csv", EndOffset = "l/d/f.csv" }).Select(o => o.Name).ToListAsync();

        Assert.True(pages.Count >= 3);
        Assert.Equal(["l/a.txt", "l/b.csv", "l/c.txt", "l/g.txt"], pages.SelectMany(p => p.Items ?? []).Select(o => o.Name));
        Assert.Equal(["l/d/"], pages.SelectMany(p => p.Prefixes ?? []).Distinct());
        Assert.Equal(6, all.Count);
        Assert.Equal(["l/a.txt", "l/c.txt", "l/d/e.txt", "l/g.txt"], txt);
        Assert.Equal(["l/a.txt", "l/c.txt", "l/g.txt"], topTxt);
        Assert.Equal(["l/b.csv", "l/c.txt", "l/d/e.txt"], window);
    }

    [Fact]
    public async Task Copy_follows_rewrite_tokens_and_patch_changes_metadata_only()
    {
        var data = Bytes(1_000_000, 3);
        var source = _server.Seed(Bucket, "src.bin", data, metadata: new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });

        var copy = await _client.CopyObjectAsync(Bucket, "src.bin", Bucket, "dst.bin", new CopyObjectOptions { IfGenerationMatch = 0 });
        var patched = await _client.PatchObjectAsync(new GcsObject
        {
            Bucket = Bucket,
            Name = "src.bin",
            ContentType = "application/x-patched",
            Metadata = new Dictionary<string, string?> { ["a"] = null, ["c"] = "3" }!,
        }, new PatchObjectOptions { IfMetagenerationMatch = 1 });

        Assert.Equal(data, _server.GetObject(Bucket, "dst.bin")!.Data);
        Assert.Equal(4, _server.Requests.Count(r => r.Operation == FakeGcsOperation.Rewrite));
        Assert.Equal(source.Crc32c, copy.Crc32c);
        Assert.Equal(source.Generation, patched.Generation);
        Assert.Equal(2, patched.Metageneration);
        Assert.Equal("application/x-patched", patched.ContentType);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" }, patched.Metadata);
        var stale = await Assert.ThrowsAsync<GoogleApiException>(() => _client.PatchObjectAsync(new GcsObject { Bucket = Bucket, Name = "src.bin", ContentType = "x/y" }, new PatchObjectOptions { IfMetagenerationMatch = 1 }));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.HttpStatusCode);
    }

    [Fact]
    public async Task Preconditions_bucket_reads_and_deletes_answer_as_the_service()
    {
        var existing = _server.Seed(Bucket, "p", [1]);

        var createOnly = await Assert.ThrowsAsync<GoogleApiException>(() => _client.UploadObjectAsync(Bucket, "p", null, new MemoryStream([2]), new UploadObjectOptions { IfGenerationMatch = 0 }));
        var staleDelete = await Assert.ThrowsAsync<GoogleApiException>(() => _client.DeleteObjectAsync(Bucket, "p", new DeleteObjectOptions { IfGenerationMatch = existing.Generation + 1 }));
        var bucket = await _client.GetBucketAsync(Bucket);
        var noBucket = await Assert.ThrowsAsync<GoogleApiException>(() => _client.GetBucketAsync("no-such-bucket"));
        await _client.DeleteObjectAsync(Bucket, "p", new DeleteObjectOptions { IfGenerationMatch = existing.Generation });
        var gone = await Assert.ThrowsAsync<GoogleApiException>(() => _client.GetObjectAsync(Bucket, "p"));

        Assert.Equal(HttpStatusCode.PreconditionFailed, createOnly.HttpStatusCode);
        Assert.Equal("conditionNotMet", createOnly.Error.Errors[0].Reason);
        Assert.Equal(HttpStatusCode.PreconditionFailed, staleDelete.HttpStatusCode);
        Assert.Equal(Bucket, bucket.Name);
        Assert.Equal(HttpStatusCode.NotFound, noBucket.HttpStatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.HttpStatusCode);
    }

    [Fact]
    public async Task A_very_long_name_read_through_the_method_override_works()
    {
        // 1023 bytes whose escaped form makes the URL longer than the client's 2048: it sends a POST with
        // X-HTTP-Method-Override: GET instead.
        var name = string.Join('/', Enumerable.Repeat("d", 512));
        _server.Seed(Bucket, name, [7]);

        var read = await _client.GetObjectAsync(Bucket, name);

        Assert.Equal(name, read.Name);
    }

    /// <summary>A forward-only stream, so the client must stream chunks of unknown total length.</summary>
    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
