using Stagecraft.Gcp.Emulation.Faults;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Gcp.Storage;
using Stagecraft.Storage;

namespace Stagecraft.Sdk.Gcp.Tests.Storage;

public sealed class GcsDownloadTests
{
    private static bool IsDownload(FakeGcsRequest r) => r.Operation == FakeGcsOperation.Download;

    [Fact]
    public async Task Download_resumes_with_a_ranged_request_after_the_connection_is_cut_mid_body()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes(1_000_000);
        bed.Server.Seed(GcsTestBed.Bucket, "model.bin", data);
        bed.Server.Faults.Add(new FaultRule<FakeGcsRequest> { Kind = FaultKind.CutResponseBody, Bytes = 300_000, MaxHits = 2, Matches = IsDownload });

        var read = await bed.ReadAllAsync("model.bin");

        Assert.Equal(data, read);
        var downloads = bed.Server.Requests.Where(IsDownload).ToList();
        Assert.Equal(3, downloads.Count);
        Assert.Null(downloads[0].Range);
        // Each resumption starts where the bytes handed to the reader end: at most one hand-over short of the cut.
        var first = ResumeOffset(downloads[1]);
        var second = ResumeOffset(downloads[2]);
        Assert.InRange(first, 300_000 - GcsDownloadStream.HandOverSize, 300_000);
        Assert.InRange(second, first + 300_000 - GcsDownloadStream.HandOverSize, first + 300_000);
        Assert.All(downloads, d => Assert.Equal(bed.Server.GetObject(GcsTestBed.Bucket, "model.bin")!.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture), d.Query["generation"]));
    }

    private static long ResumeOffset(FakeGcsRequest request)
    {
        Assert.NotNull(request.Range);
        Assert.StartsWith("bytes=", request.Range, StringComparison.Ordinal);
        return long.Parse(request.Range["bytes=".Length..request.Range.IndexOf('-', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Corrupted_download_is_detected_by_crc32c_and_never_returned_as_complete()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes(200_000);
        bed.Server.Seed(GcsTestBed.Bucket, "weights.bin", data);
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.CorruptResponseBody, IsDownload));

        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(() => bed.ReadAllAsync("weights.bin"));

        Assert.Equal("weights.bin", error.Key);
        Assert.Equal(bed.Server.GetObject(GcsTestBed.Bucket, "weights.bin")!.Crc32c, error.ExpectedCrc32c);
        Assert.NotEqual(error.ExpectedCrc32c, error.ActualCrc32c);
    }

    [Fact]
    public async Task Corruption_after_a_resume_is_still_detected()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Seed(GcsTestBed.Bucket, "w.bin", GcsTestBed.RandomBytes(400_000));
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.CutResponseBody, IsDownload, bytes: 100_000));
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(2, FaultKind.CorruptResponseBody, IsDownload));

        await Assert.ThrowsAsync<ChecksumMismatchException>(() => bed.ReadAllAsync("w.bin"));
    }

    [Fact]
    public async Task Download_never_splices_two_generations_when_the_object_changes_mid_read()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Seed(GcsTestBed.Bucket, "live.bin", GcsTestBed.RandomBytes(500_000, seed: 1));
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.CutResponseBody, IsDownload, bytes: 100_000));

        await using var result = await bed.Storage.GetAsync("live.bin");
        var buffer = new byte[50_000];
        var first = await result.Content.ReadAsync(buffer);
        Assert.True(first > 0);
        bed.Server.Seed(GcsTestBed.Bucket, "live.bin", GcsTestBed.RandomBytes(500_000, seed: 2));

        await Assert.ThrowsAsync<ObjectNotFoundException>(async () => await result.Content.CopyToAsync(Stream.Null));
    }

    [Fact]
    public async Task Small_read_is_completed_inside_get_and_survives_a_later_overwrite()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var first = GcsTestBed.RandomBytes(GcsTestBed.InMemoryReadThreshold, seed: 1);
        bed.Server.Seed(GcsTestBed.Bucket, "small.bin", first);
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.CutResponseBody, IsDownload, bytes: 1000));

        await using var result = await bed.Storage.GetAsync("small.bin");
        bed.Server.Seed(GcsTestBed.Bucket, "small.bin", [9]);
        using var copy = new MemoryStream();
        await result.Content.CopyToAsync(copy);

        Assert.Equal(first, copy.ToArray());
        Assert.Equal(2, bed.Server.Requests.Count(IsDownload));
    }

    [Fact]
    public async Task Download_gives_up_after_the_configured_number_of_consecutive_interruptions()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Seed(GcsTestBed.Bucket, "flaky.bin", GcsTestBed.RandomBytes(100_000));
        // Every response is cut before its first byte: no progress at all, so the budget of 6 attempts runs out.
        // (A cut after some progress resets the count: a slow but moving download is never abandoned.)
        bed.Server.Faults.Add(new FaultRule<FakeGcsRequest> { Kind = FaultKind.CutResponseBody, Bytes = 0, MaxHits = 1000, Matches = IsDownload });

        var error = await Assert.ThrowsAsync<GcsRequestException>(() => bed.ReadAllAsync("flaky.bin"));

        Assert.Null(error.StatusCode);
        Assert.Contains("6 consecutive interruptions", error.Message, StringComparison.Ordinal);
        Assert.Equal(6, bed.Server.Requests.Count(IsDownload));
    }

    [Fact]
    public async Task Ranged_read_returns_exactly_the_range_and_truncates_past_the_end()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes(1000);
        bed.Server.Seed(GcsTestBed.Bucket, "r.bin", data);

        Assert.Equal(data[100..200], await bed.ReadAllAsync("r.bin", new GetObjectOptions { Range = new ByteRange(100, 199) }));
        Assert.Equal(data[900..], await bed.ReadAllAsync("r.bin", new GetObjectOptions { Range = new ByteRange(900, 5000) }));
        Assert.Equal(data[990..], await bed.ReadAllAsync("r.bin", new GetObjectOptions { Range = new ByteRange(990) }));
    }

    [Fact]
    public async Task Ranged_read_resumes_within_the_range_after_a_cut()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes(300_000);
        bed.Server.Seed(GcsTestBed.Bucket, "r.bin", data);
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.CutResponseBody, IsDownload, bytes: 50_000));

        var read = await bed.ReadAllAsync("r.bin", new GetObjectOptions { Range = new ByteRange(10_000, 209_999) });

        Assert.Equal(data[10_000..210_000], read);
        var resumed = bed.Server.Requests.Where(IsDownload).Last();
        Assert.EndsWith("-209999", resumed.Range, StringComparison.Ordinal);
        Assert.InRange(ResumeOffset(resumed), 10_000, 60_000);
    }

    [Fact]
    public async Task Range_starting_past_the_end_is_an_ArgumentOutOfRangeException_from_the_416()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Seed(GcsTestBed.Bucket, "r.bin", new byte[10]);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => bed.Storage.GetAsync("r.bin", new GetObjectOptions { Range = new ByteRange(10) }));
    }

    [Fact]
    public async Task Missing_object_is_ObjectNotFoundException_on_get_and_null_on_stat()
    {
        await using var bed = await GcsTestBed.StartAsync();

        var error = await Assert.ThrowsAsync<ObjectNotFoundException>(() => bed.Storage.GetAsync("nope/missing.bin"));
        Assert.Equal("nope/missing.bin", error.Key);
        Assert.Null(await bed.Storage.StatAsync("nope/missing.bin"));
    }

    [Fact]
    public async Task Empty_object_round_trips()
    {
        await using var bed = await GcsTestBed.StartAsync();

        var info = await bed.Storage.PutAsync("empty", new MemoryStream());

        Assert.Equal(0, info.Size);
        Assert.Empty(await bed.ReadAllAsync("empty"));
    }

    [Fact]
    public async Task Get_pins_the_generation_of_the_metadata_it_returns()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Seed(GcsTestBed.Bucket, "p", [1, 2, 3], metadata: new Dictionary<string, string> { ["a"] = "b" });

        await using var result = await bed.Storage.GetAsync("p");

        Assert.Equal("b", result.Info.Metadata["a"]);
        var download = bed.Server.Requests.Single(r => r.Operation == FakeGcsOperation.Download);
        Assert.Equal(result.Info.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture), download.Query["generation"]);
    }

    [Fact]
    public async Task Synchronous_reads_work_and_resume_too()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var data = GcsTestBed.RandomBytes(150_000);
        bed.Server.Seed(GcsTestBed.Bucket, "s.bin", data);
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.CutResponseBody, IsDownload, bytes: 70_000));

        await using var result = await bed.Storage.GetAsync("s.bin");
        using var copy = new MemoryStream();
        await Task.Run(() => result.Content.CopyTo(copy));

        Assert.Equal(data, copy.ToArray());
    }
}
