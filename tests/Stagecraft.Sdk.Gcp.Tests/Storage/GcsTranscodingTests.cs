using System.IO.Compression;
using System.Net;
using System.Text;
using Google.Apis.Http;
using Google.Cloud.Storage.V1;
using Stagecraft.Gcp.Emulation.Faults;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Gcp.Storage;
using Stagecraft.Storage;

namespace Stagecraft.Sdk.Gcp.Tests.Storage;

/// <summary>
/// Objects stored with <c>Content-Encoding: gzip</c>: their hashes describe the stored gzip bytes, while a reader
/// receives the decompressed bytes, whether Cloud Storage decompressed them (the request did not accept gzip) or the
/// HTTP stack did. Such reads are not checked against the stored CRC32C (it would always mismatch), as Google's own
/// clients do; everything else still is.
/// </summary>
public sealed class GcsTranscodingTests
{
    private static readonly string Text = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"line {i}\n"));

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }

    public static TheoryData<bool> ServerDecompresses => new() { true, false };

    [Theory]
    [MemberData(nameof(ServerDecompresses))]
    public async Task Gzip_stored_object_reads_decompressed_without_a_false_checksum_mismatch(bool serverDecompresses)
    {
        StorageClient? client = null;
        await using var bed = await GcsTestBed.StartAsync(create: options => serverDecompresses
            ? new GcsObjectStorage(client = NonDecompressingClient(options), options)
            : new GcsObjectStorage(options));
        var stored = Gzip(Text);
        bed.Server.Seed(GcsTestBed.Bucket, "logs/app.log", stored, "text/plain", contentEncoding: "gzip");
        bed.Server.Seed(GcsTestBed.Bucket, "logs/small.log", Gzip("tiny"), "text/plain", contentEncoding: "gzip");

        Assert.True(Text.Length > GcsTestBed.InMemoryReadThreshold, "the streaming path must run too");
        Assert.Equal(Text, Encoding.UTF8.GetString(await bed.ReadAllAsync("logs/app.log")));
        Assert.Equal("tiny", Encoding.UTF8.GetString(await bed.ReadAllAsync("logs/small.log")));

        // The stored encoding is reported, and the info describes the stored object.
        var info = await bed.Storage.StatAsync("logs/app.log");
        Assert.Equal(stored.Length, info!.Size);
        Assert.Equal(bed.Server.GetObject(GcsTestBed.Bucket, "logs/app.log")!.Crc32c, info.Crc32c);
        client?.Dispose();
    }

    [Fact]
    public async Task Range_of_a_gzip_stored_object_is_cut_from_the_decompressed_content()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Seed(GcsTestBed.Bucket, "t.log", Gzip(Text), "text/plain", contentEncoding: "gzip");

        var range = await bed.ReadAllAsync("t.log", new Stagecraft.Storage.GetObjectOptions { Range = new ByteRange(100_000, 100_099) });

        Assert.Equal(Text.Substring(100_000, 100), Encoding.UTF8.GetString(range));
    }

    [Fact]
    public async Task Transcoded_download_cut_mid_body_restarts_and_skips_what_was_delivered()
    {
        StorageClient? client = null;
        await using var bed = await GcsTestBed.StartAsync(create: options => new GcsObjectStorage(client = NonDecompressingClient(options), options));
        bed.Server.Seed(GcsTestBed.Bucket, "t.log", Gzip(Text), "text/plain", contentEncoding: "gzip");
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.CutResponseBody, r => r.Operation == FakeGcsOperation.Download, bytes: 150_000));

        Assert.Equal(Text, Encoding.UTF8.GetString(await bed.ReadAllAsync("t.log")));
        var downloads = bed.Server.Requests.Where(r => r.Operation == FakeGcsOperation.Download).ToList();
        Assert.Equal(2, downloads.Count);
        Assert.All(downloads, d => Assert.Null(d.Range));
        client!.Dispose();
    }

    [Fact]
    public async Task Identity_object_is_still_checked_against_its_crc32c()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Seed(GcsTestBed.Bucket, "plain.bin", Encoding.UTF8.GetBytes(Text));
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.CorruptResponseBody, r => r.Operation == FakeGcsOperation.Download));

        await Assert.ThrowsAsync<ChecksumMismatchException>(() => bed.ReadAllAsync("plain.bin"));
    }

    /// <summary>A client whose requests do not accept gzip, so Cloud Storage itself decompresses (transcodes).</summary>
    private static StorageClient NonDecompressingClient(GcsStorageOptions options) =>
        GcsTestBed.GoogleClient(options, new PlainHttpClientFactory());

    private sealed class PlainHttpClientFactory : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) =>
            new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None };
    }
}
