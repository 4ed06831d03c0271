using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Stagecraft.Gcp.Emulation.Faults;
using Stagecraft.Gcp.Emulation.Storage;

namespace Stagecraft.Sdk.Gcp.Tests.Emulation;

/// <summary>The harness itself, driven with raw HTTP: it must behave like the service where the client does not look.</summary>
public sealed class FakeGcsServerTests : IAsyncLifetime
{
    private FakeGcsServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeGcsServer.StartAsync(new FakeGcsOptions { RequiredBearerToken = "t" });
        _http = new HttpClient { BaseAddress = _server.Endpoint };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "t");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("error").Clone();
    }

    private async Task<Uri> StartSessionAsync(string name)
    {
        using var response = await _http.PostAsync($"upload/storage/v1/b/test-bucket/o?uploadType=resumable&name={name}", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.Location!;
    }

    private async Task<HttpResponseMessage> PutChunkAsync(Uri session, byte[] data, string contentRange)
    {
        var content = new ByteArrayContent(data);
        content.Headers.TryAddWithoutValidation("Content-Range", contentRange);
        return await _http.PutAsync(session, content);
    }

    [Fact]
    public async Task Requests_without_the_token_get_401_in_the_api_error_shape()
    {
        using var anonymous = new HttpClient { BaseAddress = _server.Endpoint };

        using var response = await anonymous.GetAsync("storage/v1/b/test-bucket/o");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal(401, error.GetProperty("code").GetInt32());
        Assert.Equal("required", error.GetProperty("errors")[0].GetProperty("reason").GetString());
        Assert.Equal("Authorization", error.GetProperty("errors")[0].GetProperty("location").GetString());
    }

    [Fact]
    public async Task Generations_are_strings_in_json_and_not_match_reads_answer_304()
    {
        var obj = _server.Seed("test-bucket", "a/b", [1, 2, 3]);

        using var meta = await _http.GetAsync("storage/v1/b/test-bucket/o/a%2Fb");
        using var document = JsonDocument.Parse(await meta.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.String, document.RootElement.GetProperty("generation").ValueKind);
        Assert.Equal(obj.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture), document.RootElement.GetProperty("generation").GetString());

        using var notModified = await _http.GetAsync($"storage/v1/b/test-bucket/o/a%2Fb?alt=media&ifGenerationNotMatch={obj.Generation}");
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        using var stale = await _http.GetAsync($"storage/v1/b/test-bucket/o/a%2Fb?ifGenerationMatch={obj.Generation + 1}");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("conditionNotMet", (await ErrorOf(stale)).GetProperty("errors")[0].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Ranges_answer_206_with_content_range_and_416_past_the_end()
    {
        _server.Seed("test-bucket", "r", Encoding.ASCII.GetBytes("0123456789"));

        using var partial = new HttpRequestMessage(HttpMethod.Get, "storage/v1/b/test-bucket/o/r?alt=media");
        partial.Headers.Range = new RangeHeaderValue(2, 4);
        using var response = await _http.SendAsync(partial);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("bytes 2-4/10", response.Content.Headers.ContentRange!.ToString());
        Assert.Equal("234", await response.Content.ReadAsStringAsync());
        Assert.StartsWith("crc32c=", response.Headers.GetValues("x-goog-hash").Single(), StringComparison.Ordinal);

        using var suffix = new HttpRequestMessage(HttpMethod.Get, "storage/v1/b/test-bucket/o/r?alt=media");
        suffix.Headers.Range = new RangeHeaderValue(null, 3);
        using var suffixResponse = await _http.SendAsync(suffix);
        Assert.Equal("789", await suffixResponse.Content.ReadAsStringAsync());

        using var past = new HttpRequestMessage(HttpMethod.Get, "storage/v1/b/test-bucket/o/r?alt=media");
        past.Headers.Range = new RangeHeaderValue(10, null);
        using var pastResponse = await _http.SendAsync(past);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, pastResponse.StatusCode);
        Assert.Equal("bytes */10", pastResponse.Content.Headers.ContentRange!.ToString());
    }

    [Fact]
    public async Task Resumable_session_answers_308_with_range_and_refuses_unaligned_non_final_chunks()
    {
        var session = await StartSessionAsync("s");
        var data = new byte[(256 * 1024) + 10];

        using var unaligned = await PutChunkAsync(session, new byte[1000], "bytes 0-999/*");
        Assert.Equal(HttpStatusCode.BadRequest, unaligned.StatusCode);

        using var status0 = await PutChunkAsync(session, [], "bytes */*");
        Assert.Equal(308, (int)status0.StatusCode);
        Assert.False(status0.Headers.Contains("Range"));

        using var first = await PutChunkAsync(session, data[..(256 * 1024)], "bytes 0-262143/*");
        Assert.Equal(308, (int)first.StatusCode);
        Assert.Equal("bytes=0-262143", first.Headers.GetValues("Range").Single());

        using var gap = await PutChunkAsync(session, data[..10], $"bytes {(256 * 1024) + 5}-{(256 * 1024) + 14}/{data.Length + 5}");
        Assert.Equal(HttpStatusCode.BadRequest, gap.StatusCode);

        using var last = await PutChunkAsync(session, data[(256 * 1024)..], $"bytes 262144-{data.Length - 1}/{data.Length}");
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        using var again = await PutChunkAsync(session, [], $"bytes */{data.Length}");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Single(_server.Commits);
    }

    [Fact]
    public async Task Cancelled_session_answers_499_then_410_and_commits_nothing()
    {
        var session = await StartSessionAsync("c");

        using var cancel = await _http.DeleteAsync(session);
        Assert.Equal(499, (int)cancel.StatusCode);
        using var after = await PutChunkAsync(session, [], "bytes */*");
        Assert.Equal(HttpStatusCode.Gone, after.StatusCode);
        using var unknown = await _http.PutAsync(new Uri(session.AbsoluteUri.Replace("upload_id=", "upload_id=x", StringComparison.Ordinal)), new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(1, _server.UploadSessionCounts.Cancelled);
        Assert.Empty(_server.Commits);
    }

    [Fact]
    public async Task Final_chunk_with_a_wrong_crc32c_is_refused_and_fails_the_session()
    {
        var session = await StartSessionAsync("bad");
        var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.TryAddWithoutValidation("Content-Range", "bytes 0-2/3");
        using var request = new HttpRequestMessage(HttpMethod.Put, session) { Content = content };
        request.Headers.TryAddWithoutValidation("X-Goog-Hash", "crc32c=AAAAAA==");

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("CRC32C", (await ErrorOf(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(_server.Commits);
        Assert.Equal(1, _server.UploadSessionCounts.Failed);
    }

    [Fact]
    public async Task Multipart_upload_with_a_wrong_declared_md5_is_refused()
    {
        var multipart = new MultipartContent("related")
        {
            new StringContent("""{"name":"m","md5Hash":"AAAAAAAAAAAAAAAAAAAAAA=="}""", Encoding.UTF8, "application/json"),
            new ByteArrayContent([1, 2, 3]),
        };

        using var response = await _http.PostAsync("upload/storage/v1/b/test-bucket/o?uploadType=multipart", multipart);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("MD5", (await ErrorOf(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listing_with_a_scan_limit_repeats_a_straddling_prefix_and_empty_pages_keep_a_token()
    {
        await using var server = await FakeGcsServer.StartAsync(new FakeGcsOptions { MaxScannedPerPage = 2, EmptyPageEvery = 2 });
        foreach (var key in new[] { "a/1", "a/2", "a/3", "b" })
        {
            server.Seed("test-bucket", key, [1]);
        }

        using var http = new HttpClient { BaseAddress = server.Endpoint };
        var pages = new List<JsonElement>();
        string? token = null;
        do
        {
            var json = await http.GetStringAsync($"storage/v1/b/test-bucket/o?delimiter=%2F{(token is null ? string.Empty : "&pageToken=" + token)}");
            var page = JsonDocument.Parse(json).RootElement;
            pages.Add(page);
            token = page.TryGetProperty("nextPageToken", out var next) ? next.GetString() : null;
        }
        while (token is not null);

        Assert.Contains(pages, p => !p.TryGetProperty("items", out _) && !p.TryGetProperty("prefixes", out _) && p.TryGetProperty("nextPageToken", out _));
        var prefixes = pages.SelectMany(p => p.TryGetProperty("prefixes", out var ps) ? ps.EnumerateArray().Select(e => e.GetString()) : []).ToList();
        Assert.True(prefixes.Count(p => p == "a/") >= 2);
    }

    [Fact]
    public async Task Injected_faults_are_recorded_and_counted()
    {
        _server.Seed("test-bucket", "f", [1]);
        var rule = _server.Faults.Add(new FaultRule<FakeGcsRequest> { Kind = FaultKind.Status, StatusCode = 429, Every = 2, MaxHits = 2 });

        var statuses = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await _http.GetAsync("storage/v1/b/test-bucket/o/f");
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal([429, 200, 429, 200, 200], statuses);
        Assert.Equal(2, rule.Hits);
        Assert.Equal(2, _server.Faults.Injected.Count);
    }

    [Fact]
    public async Task Gzip_stored_object_is_transcoded_unless_the_request_accepts_gzip()
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("transcode me ", 1000)));
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(text);
        }

        var stored = _server.Seed("test-bucket", "z", buffer.ToArray(), "text/plain", contentEncoding: "gzip");

        using var plain = new HttpRequestMessage(HttpMethod.Get, "storage/v1/b/test-bucket/o/z?alt=media") { Headers = { Range = new RangeHeaderValue(0, 9) } };
        using var transcoded = await _http.SendAsync(plain);
        using var gzipped = new HttpRequestMessage(HttpMethod.Get, "storage/v1/b/test-bucket/o/z?alt=media") { Headers = { AcceptEncoding = { new StringWithQualityHeaderValue("gzip") } } };
        using var asStored = await _http.SendAsync(gzipped);

        // Decompressed, whole (the Range is ignored), without Content-Encoding or Content-Length; hashes of the stored bytes.
        Assert.Equal(HttpStatusCode.OK, transcoded.StatusCode);
        Assert.Equal(text, await transcoded.Content.ReadAsByteArrayAsync());
        Assert.Empty(transcoded.Content.Headers.ContentEncoding);
        Assert.True(transcoded.Headers.TransferEncodingChunked);
        Assert.Equal("gzip", transcoded.Headers.GetValues("x-goog-stored-content-encoding").Single());
        Assert.Contains($"crc32c={stored.Crc32c}", transcoded.Headers.GetValues("x-goog-hash").Single(), StringComparison.Ordinal);
        Assert.Equal(stored.Data, await asStored.Content.ReadAsByteArrayAsync());
        Assert.Equal(["gzip"], asStored.Content.Headers.ContentEncoding);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bytes 0-*/*")]
    public async Task Resumable_upload_sent_as_one_put_commits_the_whole_body(string? contentRange)
    {
        var session = await StartSessionAsync("one-put");
        var data = new byte[300_000];
        new Random(4).NextBytes(data);
        var content = new ByteArrayContent(data);
        if (contentRange is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Range", contentRange);
        }

        using var response = await _http.PutAsync(session, content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(data, _server.GetObject("test-bucket", "one-put")!.Data);
    }

    [Fact]
    public async Task Open_ended_put_after_earlier_chunks_finishes_the_upload()
    {
        var session = await StartSessionAsync("rest");
        var data = new byte[(256 * 1024) + 500];
        new Random(5).NextBytes(data);
        using (var first = await PutChunkAsync(session, data[..(256 * 1024)], "bytes 0-262143/*"))
        {
            Assert.Equal(308, (int)first.StatusCode);
        }

        using var rest = await PutChunkAsync(session, data[(256 * 1024)..], $"bytes 262144-*/{data.Length}");

        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        Assert.Equal(data, _server.GetObject("test-bucket", "rest")!.Data);
    }

    [Theory]
    [InlineData("storage/v1/b/test-bucket/o?fields=items(name)")]
    [InlineData("storage/v1/b/test-bucket/o?versions=true")]
    [InlineData("storage/v1/b/test-bucket/o/x?userProject=p")]
    [InlineData("storage/v1/b/test-bucket/o/x?alt=xml")]
    [InlineData("storage/v1/b/test-bucket/iam")]
    public async Task What_the_fake_does_not_emulate_is_refused_with_501_naming_it(string uri)
    {
        _server.Seed("test-bucket", "x", [1]);

        using var response = await _http.GetAsync(uri);

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Contains("does not emulate", (await ErrorOf(response)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_resource_fields_and_compressed_media_are_refused_with_501()
    {
        using var acl = await _http.PostAsync("upload/storage/v1/b/test-bucket/o?uploadType=resumable&name=a", new StringContent("""{"acl":[{"entity":"allUsers","role":"READER"}]}""", Encoding.UTF8, "application/json"));
        var session = await StartSessionAsync("b");
        var gzipChunk = new ByteArrayContent([1, 2, 3]);
        gzipChunk.Headers.ContentEncoding.Add("gzip");
        using var compressed = await _http.PutAsync(session, gzipChunk);

        Assert.Equal(HttpStatusCode.NotImplemented, acl.StatusCode);
        Assert.Equal(HttpStatusCode.NotImplemented, compressed.StatusCode);
        Assert.Empty(_server.Commits);
    }

    [Fact]
    public async Task Gzip_compressed_json_bodies_are_read_as_the_service_reads_them()
    {
        using var body = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(body, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes("""{"name":"gz","contentType":"text/x-gz","metadata":{"k":"v"}}"""));
        }

        var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var start = await _http.PostAsync("upload/storage/v1/b/test-bucket/o?uploadType=resumable", content);
        using var put = await _http.PutAsync(start.Headers.Location, new ByteArrayContent([1]));

        var stored = _server.GetObject("test-bucket", "gz")!;
        Assert.Equal("text/x-gz", stored.ContentType);
        Assert.Equal("v", stored.Metadata["k"]);
    }

    [Fact]
    public async Task Checksums_are_the_services_known_values()
    {
        // RFC 3720's CRC32C check value for 32 zero bytes, and the empty input.
        Assert.Equal(Convert.ToBase64String([0x8A, 0x91, 0x36, 0xAA]), StoredChecksums.Crc32c(new byte[32]));
        Assert.Equal("AAAAAA==", StoredChecksums.Crc32c([]));
        Assert.Equal(Convert.ToBase64String([0xE3, 0x06, 0x92, 0x83]), StoredChecksums.Crc32c("123456789"u8));
    }
}
