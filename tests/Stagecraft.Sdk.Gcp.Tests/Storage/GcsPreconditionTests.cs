using Stagecraft.Gcp.Emulation.Faults;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Gcp.Storage;
using Stagecraft.Storage;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Gcp.Tests.Storage;

public sealed class GcsPreconditionTests
{
    [Fact]
    public async Task Create_only_write_on_an_existing_object_fails_with_the_actual_generation()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var existing = await bed.Storage.PutAsync("lock", new MemoryStream([1]));

        var error = await Assert.ThrowsAsync<PreconditionFailedException>(
            () => bed.Storage.PutAsync("lock", new MemoryStream([2]), new PutObjectOptions { IfGenerationMatch = 0 }));

        Assert.Equal("lock", error.Key);
        Assert.Equal(0, error.ExpectedGeneration);
        Assert.Equal(existing.Generation, error.ActualGeneration);
        Assert.Equal([1], bed.Server.GetObject(GcsTestBed.Bucket, "lock")!.Data);
    }

    [Fact]
    public async Task Compare_and_swap_succeeds_on_the_current_generation_and_fails_on_a_stale_one()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var v1 = await bed.Storage.PutAsync("alias", new MemoryStream([1]), new PutObjectOptions { IfGenerationMatch = 0 });
        var v2 = await bed.Storage.PutAsync("alias", new MemoryStream([2]), new PutObjectOptions { IfGenerationMatch = v1.Generation });

        var stale = await Assert.ThrowsAsync<PreconditionFailedException>(
            () => bed.Storage.PutAsync("alias", new MemoryStream([3]), new PutObjectOptions { IfGenerationMatch = v1.Generation }));

        Assert.True(v2.Generation > v1.Generation);
        Assert.Equal(v2.Generation, stale.ActualGeneration);
    }

    [Fact]
    public async Task Conditional_write_on_a_missing_object_reports_actual_generation_zero()
    {
        await using var bed = await GcsTestBed.StartAsync();

        var error = await Assert.ThrowsAsync<PreconditionFailedException>(
            () => bed.Storage.PutAsync("ghost", new MemoryStream([1]), new PutObjectOptions { IfGenerationMatch = 12345 }));

        Assert.Equal(0, error.ActualGeneration);
    }

    [Fact]
    public async Task Conditional_resumable_upload_checks_the_precondition_at_start_and_at_commit()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var existing = await bed.Storage.PutAsync("big", new MemoryStream([1]));
        var data = GcsTestBed.RandomBytes(3 * GcsTestBed.ChunkSize);

        await Assert.ThrowsAsync<PreconditionFailedException>(
            () => bed.Storage.PutAsync("big", new NonSeekableStream(data), new PutObjectOptions { IfGenerationMatch = 0 }));

        // A concurrent writer commits while our chunks are in flight: the commit must refuse.
        var racing = new NonSeekableStream(data, onPosition: p =>
        {
            if (p > GcsTestBed.ChunkSize && bed.Server.GetObject(GcsTestBed.Bucket, "big")!.Generation == existing.Generation)
            {
                bed.Server.Seed(GcsTestBed.Bucket, "big", [9]);
            }
        });
        var error = await Assert.ThrowsAsync<PreconditionFailedException>(
            () => bed.Storage.PutAsync("big", racing, new PutObjectOptions { IfGenerationMatch = existing.Generation }));
        Assert.Equal(bed.Server.GetObject(GcsTestBed.Bucket, "big")!.Generation, error.ActualGeneration);
        Assert.Equal([9], bed.Server.GetObject(GcsTestBed.Bucket, "big")!.Data);
    }

    private static bool IsFinalChunk(FakeGcsRequest r) => r.Operation == FakeGcsOperation.ResumableChunk && !r.ContentRange!.EndsWith("/*", StringComparison.Ordinal);

    [Fact]
    public async Task Conditional_write_whose_response_was_lost_is_recognised_as_our_own_commit()
    {
        await using var bed = await GcsTestBed.StartAsync();
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.ResetAfterProcessing, IsFinalChunk));

        var info = await bed.Storage.PutAsync("claim", new MemoryStream([7]), new PutObjectOptions { IfGenerationMatch = 0 });

        var commit = Assert.Single(bed.Server.Commits);
        Assert.Equal(commit.Object.Generation, info.Generation);
        Assert.Contains(bed.Server.Requests, r => r.Operation == FakeGcsOperation.ResumableStatus);
    }

    [Fact]
    public async Task Conditional_write_whose_response_was_lost_succeeds_even_if_another_writer_replaced_it_since()
    {
        // The case a plain retry cannot decide: our commit happened, its answer was lost, and before we could ask,
        // another writer (who saw our value) replaced it. Reporting a precondition failure here would make a
        // compare-and-swap loop apply its change twice; the session knows it committed.
        await using var bed = await GcsTestBed.StartAsync();
        await bed.Storage.PutAsync("counter", new MemoryStream([0]));
        var before = bed.Server.GetObject(GcsTestBed.Bucket, "counter")!;
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.ResetAfterProcessing, IsFinalChunk));
        bed.Server.Faults.Add(new FaultRule<FakeGcsRequest>
        {
            Kind = FaultKind.Status,
            Matches = r =>
            {
                if (r.Operation == FakeGcsOperation.ResumableStatus)
                {
                    bed.Server.Seed(GcsTestBed.Bucket, "counter", [2]);
                }

                return false;
            },
        });

        var info = await bed.Storage.PutAsync("counter", new MemoryStream([1]), new PutObjectOptions { IfGenerationMatch = before.Generation });

        var ours = Assert.Single(bed.Server.Commits, c => c.Object.Data.SequenceEqual(new byte[] { 1 }));
        Assert.Equal(ours.Object.Generation, info.Generation);
        Assert.Equal([2], bed.Server.GetObject(GcsTestBed.Bucket, "counter")!.Data);
    }

    [Fact]
    public async Task Lost_answer_to_a_refused_commit_still_reports_the_precondition_failure()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var existing = await bed.Storage.PutAsync("claim", new MemoryStream([1]));
        var data = new byte[] { 7 };
        bed.Server.Faults.Add(new FaultRule<FakeGcsRequest>
        {
            Kind = FaultKind.ResetAfterProcessing,
            Matches = r =>
            {
                if (!IsFinalChunk(r))
                {
                    return false;
                }

                bed.Server.Seed(GcsTestBed.Bucket, "claim", [9]);
                return true;
            },
        });

        var error = await Assert.ThrowsAsync<PreconditionFailedException>(
            () => bed.Storage.PutAsync("claim", new MemoryStream(data), new PutObjectOptions { IfGenerationMatch = existing.Generation }));

        Assert.Equal(bed.Server.GetObject(GcsTestBed.Bucket, "claim")!.Generation, error.ActualGeneration);
        Assert.Equal([9], bed.Server.GetObject(GcsTestBed.Bucket, "claim")!.Data);
    }

    [Fact]
    public async Task Delete_with_stale_generation_fails_and_keeps_the_object()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var v1 = await bed.Storage.PutAsync("d", new MemoryStream([1]));
        var v2 = await bed.Storage.PutAsync("d", new MemoryStream([2]));

        var error = await Assert.ThrowsAsync<PreconditionFailedException>(
            () => bed.Storage.DeleteAsync("d", new DeleteObjectOptions { IfGenerationMatch = v1.Generation }));

        Assert.Equal(v2.Generation, error.ActualGeneration);
        Assert.True(await bed.Storage.DeleteAsync("d", new DeleteObjectOptions { IfGenerationMatch = v2.Generation }));
        Assert.False(await bed.Storage.DeleteAsync("d"));
    }

    [Fact]
    public async Task Conditional_delete_whose_response_was_lost_reports_success()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var v1 = await bed.Storage.PutAsync("d", new MemoryStream([1]));
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.ResetAfterProcessing, r => r.Operation == FakeGcsOperation.Delete));

        Assert.True(await bed.Storage.DeleteAsync("d", new DeleteObjectOptions { IfGenerationMatch = v1.Generation }));
        Assert.Null(bed.Server.GetObject(GcsTestBed.Bucket, "d"));
    }

    [Fact]
    public async Task Unconditional_delete_is_not_retried()
    {
        await using var bed = await GcsTestBed.StartAsync();
        await bed.Storage.PutAsync("d", new MemoryStream([1]));
        bed.Server.Faults.Add(FaultRule<FakeGcsRequest>.OnNth(1, FaultKind.Status, r => r.Operation == FakeGcsOperation.Delete, statusCode: 503));

        await Assert.ThrowsAsync<GcsRequestException>(() => bed.Storage.DeleteAsync("d"));

        Assert.Single(bed.Server.Requests, r => r.Operation == FakeGcsOperation.Delete);
        Assert.NotNull(bed.Server.GetObject(GcsTestBed.Bucket, "d"));
    }

    [Fact]
    public async Task Read_with_a_stale_generation_precondition_fails()
    {
        await using var bed = await GcsTestBed.StartAsync();
        var v1 = await bed.Storage.PutAsync("r", new MemoryStream([1]));
        var v2 = await bed.Storage.PutAsync("r", new MemoryStream([2]));

        var error = await Assert.ThrowsAsync<PreconditionFailedException>(() => bed.Storage.GetAsync("r", new GetObjectOptions { IfGenerationMatch = v1.Generation }));

        Assert.Equal(v2.Generation, error.ActualGeneration);
        await using var current = await bed.Storage.GetAsync("r", new GetObjectOptions { IfGenerationMatch = v2.Generation });
        Assert.Equal(v2.Generation, current.Info.Generation);
    }
}
