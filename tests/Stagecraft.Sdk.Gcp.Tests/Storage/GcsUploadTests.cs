using System.Globalization;
using System.Net;
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
    public async Task Small_object_goes_up_in_one_session_request_verified_by_its_crc32c_with_its_metadata()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes(10_000);

        var info = await bed.Storage.PutAsync("dir/small.bin", new MemoryStream(data), new PutObjectOptions
        {
            ContentType = "application/x-test",
            Metadata = new Dictionary<string, string> { ["mtime"] = "2024-01-02T03:04:05Z", ["owner"] = "alice" },
        });

        // Google's uploader: a session, then one request with all the bytes and the whole object's CRC32C.
        Assert.Equal([FakeGcsOperation.ResumableStart, FakeGcsOperation.ResumableChunk], bed.Server.Requests.Select(r => r.Operation));
        Assert.Equal($"bytes 0-9999/10000", bed.Server.Requests[1].ContentRange);
        var commit = Assert.Single(bed.Server.Commits);
        Assert.True(commit.ChecksumVerified);
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
    public async Task Upload_starts_at_the_callers_position_in_a_seekable_stream()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes((2 * GcsTestBed.ChunkSize) + 10);
        var stream = new MemoryStream(data) { Position = 1000 };

        var info = await bed.Storage.PutAsync("tail.bin", stream);

        Assert.Equal(data[1000..], bed.Server.GetObject(GcsTestBed.Bucket, "tail.bin")!.Data);
        Assert.Equal(data.Length - 1000, info.Size);
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
    public async Task Object_of_exactly_whole_chunks_ends_with_a_final_chunk_declaring_the_total()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes(3 * GcsTestBed.ChunkSize);

        await bed.Storage.PutAsync("exact.bin", new NonSeekableStream(data));

        Assert.Equal(data, bed.Server.GetObject(GcsTestBed.Bucket, "exact.bin")!.Data);
        var last = bed.Server.Requests.Last(r => r.Operation is FakeGcsOperation.ResumableChunk or FakeGcsOperation.ResumableStatus);
        Assert.Equal($"bytes {2 * GcsTestBed.ChunkSize}-{data.Length - 1}/{data.Length}", last.ContentRange);
        Assert.True(Assert.Single(bed.Server.Commits).ChecksumVerified);
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
        var faulted = bed.Server.Faults.Injected.Single().Request.Sequence;
        Assert.Contains(bed.Server.Requests, r => r.Sequence > faulted && r.Operation == FakeGcsOperation.ResumableStatus && r.ContentRange == "bytes */*");
        Assert.Equal(info.Generation, Assert.Single(bed.Server.Commits).Object.Generation);
    }

    [Fact]
    public async Task Upload_refused_with_429s_mid_session_is_resumed_after_backoffs_from_the_persisted_offset()
    {
        // Google's uploader gives up on a 429; the storage waits (on its clock) and resumes the same session.
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes((4 * GcsTestBed.ChunkSize) + 100);
        bed.Server.Faults.Add(new FaultRule<FakeGcsRequest> { Kind = FaultKind.Status, StatusCode = 429, MaxHits = 2, Matches = r => IsChunk(r) && r.ContentRange!.StartsWith($"bytes {2 * GcsTestBed.ChunkSize}-", StringComparison.Ordinal) });

        var info = await bed.Storage.PutAsync("throttled.bin", new NonSeekableStream(data));

        Assert.Equal(2, bed.Server.Faults.Injected.Count);
        Assert.Equal(2, bed.Time.RequestedDelays.Count);
        Assert.Single(bed.Server.Requests, r => r.Operation == FakeGcsOperation.ResumableStart);
        Assert.Equal(data, bed.Server.GetObject(GcsTestBed.Bucket, "throttled.bin")!.Data);
        Assert.Equal(info.Generation, Assert.Single(bed.Server.Commits).Object.Generation);
    }

    [Fact]
    public async Task Session_start_is_retried_after_a_503_and_a_reset()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.Status, r => r.Operation == FakeGcsOperation.ResumableStart, statusCode: 503));
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(2, FaultKind.ResetBeforeProcessing, r => r.Operation == FakeGcsOperation.ResumableStart));

        await bed.Storage.PutAsync("started.bin", new MemoryStream([1, 2, 3]));

        Assert.Equal(3, bed.Server.Requests.Count(r => r.Operation == FakeGcsOperation.ResumableStart));
        Assert.Equal([1, 2, 3], bed.Server.GetObject(GcsTestBed.Bucket, "started.bin")!.Data);
        Assert.Equal(2, bed.Time.RequestedDelays.Count);
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
        // Still usable after the storage was disposed: it is the caller's.
        var missing = await Assert.ThrowsAsync<Google.GoogleApiException>(() => client!.GetObjectAsync(GcsTestBed.Bucket, "corrupt.bin"));
        Assert.Equal(HttpStatusCode.NotFound, missing.HttpStatusCode);
        client!.Dispose();
    }

    private static StorageClient CorruptingClient(GcsStorageOptions options) =>
        GcsTestBed.GoogleClient(options, new CorruptingClientFactory());

    [Fact]
    public async Task Cancelling_an_upload_midway_commits_nothing()
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

        Assert.Empty(bed.Server.Commits);
        Assert.Null(bed.Server.GetObject(GcsTestBed.Bucket, "cancelled.bin"));
    }

    [Fact]
    public async Task Unconditional_small_upload_recovers_from_a_503_and_a_reset_with_one_commit()
    {
        // Every write goes through a session, which commits at most once: even an unconditional one may be resumed.
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.Status, IsChunk, statusCode: 503));
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(2, FaultKind.ResetAfterProcessing, r => IsChunk(r) || r.Operation == FakeGcsOperation.ResumableStatus));

        var info = await bed.Storage.PutAsync("once.bin", new MemoryStream([1, 2, 3]));

        Assert.Equal(2, bed.Server.Faults.Injected.Count);
        Assert.Equal(info.Generation, Assert.Single(bed.Server.Commits).Object.Generation);
        Assert.Equal([1, 2, 3], bed.Server.GetObject(GcsTestBed.Bucket, "once.bin")!.Data);
    }

    [Fact]
    public async Task Upload_gives_up_after_the_configured_attempts_with_the_last_status()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Faults.Add(new FaultRule<FakeGcsRequest> { Kind = FaultKind.Status, StatusCode = 503, MaxHits = 1000, Matches = r => r.Operation == FakeGcsOperation.ResumableStart });

        var error = await Assert.ThrowsAsync<GcsRequestException>(() => bed.Storage.PutAsync("never.bin", new MemoryStream([1])));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal("backendError", error.Reason);
        Assert.True(error.IsTransient);
        Assert.Equal(6, bed.Server.Requests.Count(r => r.Operation == FakeGcsOperation.ResumableStart));
        Assert.Empty(bed.Server.Commits);
    }

    [Fact]
    public async Task Conditional_small_upload_is_retried_after_503s()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Faults.Add(new FaultRule<FakeGcsRequest> { Kind = FaultKind.Status, StatusCode = 503, MaxHits = 2, Matches = IsChunk });

        var info = await bed.Storage.PutAsync("cas.bin", new MemoryStream([1, 2, 3]), new PutObjectOptions { IfGenerationMatch = 0 });

        Assert.Equal(2, bed.Server.Faults.Injected.Count);
        Assert.Equal(info.Generation, Assert.Single(bed.Server.Commits).Object.Generation);
        Assert.Equal([1, 2, 3], bed.Server.GetObject(GcsTestBed.Bucket, "cas.bin")!.Data);
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
