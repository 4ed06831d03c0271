using Stagecraft.Gcp.Emulation.Faults;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Gcp.Storage;
using Stagecraft.Storage;

namespace Stagecraft.Sdk.Gcp.Tests.Storage;

public sealed class GcsCopyTests
{
    [Fact]
    public async Task Copy_follows_rewrite_tokens_until_done_and_keeps_content_type_and_metadata()
    {
        await using var bed = await GcsTestBed.StartAsync(new FakeGcsOptions { RequiredBearerToken = GcsTestBed.Token, RewriteBytesPerCall = 100_000 });
        var data = GcsTestBed.RandomBytes(350_000);
        var source = await bed.Storage.PutAsync("src", new MemoryStream(data), new PutObjectOptions
        {
            ContentType = "text/x-test",
            Metadata = new Dictionary<string, string> { ["mtime"] = "123" },
        });

        var copy = await bed.Storage.CopyAsync("src", "dst/copy");

        Assert.Equal(4, bed.Server.Requests.Count(r => r.Operation == FakeGcsOperation.Rewrite));
        Assert.Equal(data, bed.Server.GetObject(GcsTestBed.Bucket, "dst/copy")!.Data);
        Assert.True(copy.Generation > source.Generation);
        Assert.Equal("text/x-test", copy.ContentType);
        Assert.Equal(new Dictionary<string, string> { ["mtime"] = "123" }, copy.Metadata);
        Assert.Equal(source.Crc32c, copy.Crc32c);
        var writeIds = bed.Server.Commits.Select(c => c.Object.Metadata[GcsObjectStorage.WriteIdMetadataKey]).ToList();
        Assert.Equal(writeIds.Count, writeIds.Distinct().Count());
    }

    [Fact]
    public async Task Copy_of_a_missing_source_is_ObjectNotFoundException_naming_the_source()
    {
        await using var bed = await GcsTestBed.StartAsync();

        var error = await Assert.ThrowsAsync<ObjectNotFoundException>(() => bed.Storage.CopyAsync("missing", "dst"));

        Assert.Equal("missing", error.Key);
    }

    [Fact]
    public async Task Copy_honours_destination_and_source_generation_preconditions()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var source = await bed.Storage.PutAsync("s", new MemoryStream([1]));
        var destination = await bed.Storage.PutAsync("d", new MemoryStream([2]));

        var createOnly = await Assert.ThrowsAsync<PreconditionFailedException>(() => bed.Storage.CopyAsync("s", "d", new CopyObjectOptions { IfGenerationMatch = 0 }));
        Assert.Equal(destination.Generation, createOnly.ActualGeneration);

        var staleSource = await Assert.ThrowsAsync<PreconditionFailedException>(() => bed.Storage.CopyAsync("s", "d", new CopyObjectOptions { IfSourceGenerationMatch = source.Generation + 99 }));
        Assert.Equal("s", staleSource.Key);
        Assert.Equal(source.Generation, staleSource.ActualGeneration);

        var swapped = await bed.Storage.CopyAsync("s", "d", new CopyObjectOptions { IfGenerationMatch = destination.Generation, IfSourceGenerationMatch = source.Generation });
        Assert.Equal([1], bed.Server.GetObject(GcsTestBed.Bucket, "d")!.Data);
        Assert.True(swapped.Generation > destination.Generation);
    }

    [Fact]
    public async Task Conditional_copy_whose_response_was_lost_is_recognised_as_our_own()
    {
        await using var bed = await GcsTestBed.StartAsync();
        await bed.Storage.PutAsync("s", new MemoryStream([5]));
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.ResetAfterProcessing, r => r.Operation == FakeGcsOperation.Rewrite));

        var copy = await bed.Storage.CopyAsync("s", "d", new CopyObjectOptions { IfGenerationMatch = 0 });

        Assert.Equal(bed.Server.GetObject(GcsTestBed.Bucket, "d")!.Generation, copy.Generation);
        Assert.Single(bed.Server.Commits, c => c.Object.Name == "d");
    }

    [Fact]
    public async Task Unconditional_copy_is_not_retried()
    {
        await using var bed = await GcsTestBed.StartAsync();
        await bed.Storage.PutAsync("s", new MemoryStream([5]));
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.Status, r => r.Operation == FakeGcsOperation.Rewrite, statusCode: 500));

        await Assert.ThrowsAsync<GcsRequestException>(() => bed.Storage.CopyAsync("s", "d"));

        Assert.Single(bed.Server.Requests, r => r.Operation == FakeGcsOperation.Rewrite);
    }
}
