using System.Globalization;
using System.Net;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Http;
using Google.Cloud.Storage.V1;
using Stagecraft.Gcp.Emulation.Faults;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Gcp.Storage;
using Stagecraft.Storage;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Gcp.Tests.Storage;

public sealed class GcsUploadTests
{
    private static bool IsChunk(FakeGcsRequest r) => r.Operation == FakeGcsOperation.ResumableChunk;

    [Fact]
    public async Task Small_object_goes_up_in_one_multipart_request_with_its_crc32c_and_metadata()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes(10_000);

        var info = await bed.Storage.PutAsync("dir/small.bin", new MemoryStream(data), new PutObjectOptions
        {
            ContentType = "application/x-test",
            Metadata = new Dictionary<string, string> { ["mtime"] = "2024-01-02T03:04:05Z", ["owner"] = "alice" },
        });

        var uploads = bed.Server.Requests.Where(r => r.IsWrite).ToList();
        Assert.Single(uploads);
        Assert.Equal(FakeGcsOperation.MultipartUpload, uploads[0].Operation);
        var stored = bed.Server.GetObject(GcsTestBed.Bucket, "dir/small.bin")!;
        Assert.Equal(data, stored.Data);
        Assert.Equal(stored.Generation, info.Generation);
        Assert.Equal(stored.Crc32c, info.Crc32c);
        Assert.Equal(data.Length, info.Size);
        Assert.Equal("application/x-test", info.ContentType);
        Assert.Equal("alice", info.Metadata["owner"]);
        Assert.Equal("2024-01-02T03:04:05Z", info.Metadata["mtime"]);
        Assert.False(info.Metadata.ContainsKey(GcsObjectStorage.WriteIdMetadataKey));
        Assert.True(stored.Metadata.ContainsKey(GcsObjectStorage.WriteIdMetadataKey));
    }

    [Fact]
    public async Task Large_object_goes_up_in_256KiB_multiple_chunks_of_one_resumable_session()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes((5 * GcsTestBed.ChunkSize) + 12_345);

        var info = await bed.Storage.PutAsync("big.bin", new NonSeekableStream(data));

        var chunks = bed.Server.Requests.Where(IsChunk).ToList();
        Assert.Equal(6, chunks.Count);
        Assert.All(chunks.SkipLast(1), c => Assert.EndsWith("/*", c.ContentRange, StringComparison.Ordinal));
        Assert.All(chunks.SkipLast(1), c => Assert.Equal(0, c.ContentLength!.Value % (256 * 1024)));
        Assert.EndsWith("/" + data.Length.ToString(CultureInfo.InvariantCulture), chunks[^1].ContentRange, StringComparison.Ordinal);
        Assert.Equal(data, bed.Server.GetObject(GcsTestBed.Bucket, "big.bin")!.Data);
        Assert.Equal(data.Length, info.Size);
        Assert.Single(bed.Server.Commits);
    }

    [Fact]
    public async Task Object_of_exactly_whole_chunks_is_finalised_with_an_empty_final_request()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes(3 * GcsTestBed.ChunkSize);

        await bed.Storage.PutAsync("exact.bin", new NonSeekableStream(data));

        Assert.Equal(data, bed.Server.GetObject(GcsTestBed.Bucket, "exact.bin")!.Data);
        var last = bed.Server.Requests.Last(r => r.Operation is FakeGcsOperation.ResumableChunk or FakeGcsOperation.ResumableStatus);
        Assert.Equal($"bytes */{data.Length}", last.ContentRange);
    }

    [Fact]
    public async Task Resumable_upload_resumes_after_a_503_mid_upload_by_querying_the_session()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes((4 * GcsTestBed.ChunkSize) + 100);
        var fault = bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(3, FaultKind.Status, IsChunk, statusCode: 503));

        var info = await bed.Storage.PutAsync("retry.bin", new NonSeekableStream(data));

        Assert.Equal(1, fault.Hits);
        Assert.Equal(data, bed.Server.GetObject(GcsTestBed.Bucket, "retry.bin")!.Data);
        var requests = bed.Server.Requests;
        var faulted = bed.Server.Faults.Injected.Single().Request.Sequence;
        Assert.Contains(requests, r => r.Sequence > faulted && r.Operation == FakeGcsOperation.ResumableStatus && r.ContentRange == "bytes */*");
        Assert.Single(bed.Server.Commits);
        Assert.Equal(info.Generation, bed.Server.Commits[0].Object.Generation);
        Assert.NotEmpty(bed.Time.RequestedDelays);
    }

    [Fact]
    public async Task Resumable_upload_resumes_from_the_persisted_offset_after_a_reset_mid_chunk()
    {
        // Chunks of 512 KiB; the second one is cut after 300 KB: the session keeps 256 KiB of it, and the
        // client must resend from the middle of its buffer, not from the chunk start and not from what it sent.
        await using var bed = await GcsTestBed.StartAsync(configure: o => o with { ResumableChunkSize = 2 * GcsTestBed.ChunkSize });
        var data = GcsTestBed.RandomBytes((6 * GcsTestBed.ChunkSize) + 777);
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(2, FaultKind.CutRequestBody, IsChunk, bytes: 300_000));

        await bed.Storage.PutAsync("cut.bin", new NonSeekableStream(data));

        Assert.Equal(data, bed.Server.GetObject(GcsTestBed.Bucket, "cut.bin")!.Data);
        var resumedAt = 3 * GcsTestBed.ChunkSize;
        Assert.Contains(bed.Server.Requests, r => IsChunk(r) && r.ContentRange!.StartsWith($"bytes {resumedAt}-", StringComparison.Ordinal));
        Assert.Single(bed.Server.Commits);
    }

    [Fact]
    public async Task Lost_response_to_the_final_chunk_is_recovered_from_the_session_without_a_second_commit()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes((2 * GcsTestBed.ChunkSize) + 5);
        bed.Server.Faults.Add(new FaultRule<FakeGcsRequest>
        {
            Kind = FaultKind.ResetAfterProcessing,
            Matches = r => IsChunk(r) && !r.ContentRange!.EndsWith("/*", StringComparison.Ordinal),
        });

        var info = await bed.Storage.PutAsync("final.bin", new NonSeekableStream(data));

        Assert.Single(bed.Server.Faults.Injected);
        var commit = Assert.Single(bed.Server.Commits);
        Assert.Equal(commit.Object.Generation, info.Generation);
        Assert.Equal(data, commit.Object.Data);
    }

    [Fact]
    public async Task Resumable_upload_without_precondition_recovers_from_a_reset_before_processing_and_a_429()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes((3 * GcsTestBed.ChunkSize) + 9);
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.ResetBeforeProcessing, IsChunk));
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.Status, r => r.Operation == FakeGcsOperation.ResumableStatus, statusCode: 429));

        await bed.Storage.PutAsync("mixed.bin", new NonSeekableStream(data));

        Assert.Equal(2, bed.Server.Faults.Injected.Count);
        Assert.Equal(data, bed.Server.GetObject(GcsTestBed.Bucket, "mixed.bin")!.Data);
        Assert.Single(bed.Server.Commits);
    }

    [Fact]
    public async Task Upload_corrupted_in_flight_is_refused_by_the_server_checksum_and_never_committed()
    {
        // Also the path of a caller-configured client: the storage uses it as given and leaves it to the caller.
        StorageClient? client = null;
        await using var bed = await GcsTestBed.StartAsync(create: options => new GcsObjectStorage(client = CorruptingClient(options), options));
        var data = GcsTestBed.RandomBytes((2 * GcsTestBed.ChunkSize) + 1000);

        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(() => bed.Storage.PutAsync("corrupt.bin", new NonSeekableStream(data)));

        Assert.Contains("CRC32C", error.Message, StringComparison.Ordinal);
        Assert.Null(bed.Server.GetObject(GcsTestBed.Bucket, "corrupt.bin"));
        Assert.Empty(bed.Server.Commits);
        bed.Storage.Dispose();
        Assert.Null(await client!.GetObjectAsync(GcsTestBed.Bucket, "corrupt.bin").ContinueWith(t => t.IsFaulted ? null : t.Result));
        client.Dispose();
    }

    private static StorageClient CorruptingClient(GcsStorageOptions options) => new StorageClientBuilder
    {
        BaseUri = options.Endpoint!.AbsoluteUri + "storage/v1/",
        Credential = GoogleCredential.FromAccessToken(GcsTestBed.Token),
        HttpClientFactory = new CorruptingClientFactory(),
    }.Build();

    [Fact]
    public async Task Cancelling_a_resumable_upload_cancels_its_session_and_commits_nothing()
    {
        await using var bed = await GcsTestBed.StartAsync();
        using var cts = new CancellationTokenSource();
        var data = GcsTestBed.RandomBytes(6 * GcsTestBed.ChunkSize);
        var source = new NonSeekableStream(data, onPosition: (position) =>
        {
            if (position > 3 * GcsTestBed.ChunkSize)
            {
                cts.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bed.Storage.PutAsync("cancelled.bin", source, cancellationToken: cts.Token));

        Assert.Equal(1, bed.Server.UploadSessionCounts.Cancelled);
        Assert.Contains(bed.Server.Requests, r => r.Operation == FakeGcsOperation.ResumableCancel);
        Assert.Empty(bed.Server.Commits);
    }

    [Fact]
    public async Task Unconditional_multipart_upload_is_not_retried_after_a_503()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.Status, r => r.Operation == FakeGcsOperation.MultipartUpload, statusCode: 503));

        var error = await Assert.ThrowsAsync<GcsRequestException>(() => bed.Storage.PutAsync("once.bin", new MemoryStream([1, 2, 3])));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal("backendError", error.Reason);
        Assert.True(error.IsTransient);
        Assert.Single(bed.Server.Requests, r => r.Operation == FakeGcsOperation.MultipartUpload);
        Assert.Empty(bed.Time.RequestedDelays);
    }

    [Fact]
    public async Task Unconditional_multipart_upload_is_not_retried_after_a_connection_reset()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.ResetBeforeProcessing, r => r.Operation == FakeGcsOperation.MultipartUpload));

        var error = await Assert.ThrowsAsync<GcsRequestException>(() => bed.Storage.PutAsync("once.bin", new MemoryStream([1, 2, 3])));

        Assert.Null(error.StatusCode);
        Assert.Contains("not retried", error.Message, StringComparison.Ordinal);
        Assert.Single(bed.Server.Requests, r => r.Operation == FakeGcsOperation.MultipartUpload);
    }

    [Fact]
    public async Task Conditional_small_upload_goes_through_a_session_and_is_retried_after_503s()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Faults.Add(new FaultRule<FakeGcsRequest> { Kind = FaultKind.Status, StatusCode = 503, MaxHits = 2, Matches = IsChunk });

        var info = await bed.Storage.PutAsync("cas.bin", new MemoryStream([1, 2, 3]), new PutObjectOptions { IfGenerationMatch = 0 });

        Assert.DoesNotContain(bed.Server.Requests, r => r.Operation == FakeGcsOperation.MultipartUpload);
        Assert.Equal(info.Generation, Assert.Single(bed.Server.Commits).Object.Generation);
        Assert.Equal([1, 2, 3], bed.Server.GetObject(GcsTestBed.Bucket, "cas.bin")!.Data);
        Assert.Equal(2, bed.Time.RequestedDelays.Count);
    }

    [Fact]
    public async Task Reserved_write_id_metadata_key_is_rejected()
    {
        await using var bed = await GcsTestBed.StartAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => bed.Storage.PutAsync("k", new MemoryStream([1]), new PutObjectOptions
        {
            Metadata = new Dictionary<string, string> { [GcsObjectStorage.WriteIdMetadataKey] = "x" },
        }));

        Assert.Contains(GcsObjectStorage.WriteIdMetadataKey, error.Message, StringComparison.Ordinal);
        Assert.Empty(bed.Server.Requests);
    }

    [Fact]
    public async Task Generations_are_int64_and_strictly_increase_with_every_write()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var generations = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            generations.Add((await bed.Storage.PutAsync("g", new MemoryStream([(byte)i]))).Generation);
        }

        generations.Add((await bed.Storage.PutAsync("g", new NonSeekableStream(GcsTestBed.RandomBytes(GcsTestBed.ChunkSize * 3)))).Generation);

        Assert.All(generations, g => Assert.True(g > int.MaxValue));
        Assert.Equal(generations.Order(), generations);
        Assert.Equal(generations.Count, generations.Distinct().Count());
    }

    private sealed class CorruptingClientFactory : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => new CorruptingHandler(base.CreateHandler(args));
    }

    /// <summary>Flips a bit in the final resumable chunk after the client computed its checksum.</summary>
    private sealed class CorruptingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Put && request.Content is { } content
                && content.Headers.TryGetValues("Content-Range", out var ranges) && !ranges.Single().EndsWith("/*", StringComparison.Ordinal)
                && !ranges.Single().StartsWith("bytes */", StringComparison.Ordinal))
            {
                var bytes = await content.ReadAsByteArrayAsync(cancellationToken);
                bytes[0] ^= 0x80;
                var corrupted = new ByteArrayContent(bytes);
                corrupted.Headers.TryAddWithoutValidation("Content-Range", ranges.Single());
                request.Content = corrupted;
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
