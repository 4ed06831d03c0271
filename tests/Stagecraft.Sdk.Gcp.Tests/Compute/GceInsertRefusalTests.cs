using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Storage;
using Stagecraft.Runs;

namespace Stagecraft.Sdk.Gcp.Tests.Compute;

/// <summary>Answers Compute Engine gives to <c>instances.insert</c> itself (not inside the operation), and limits checked before any VM.</summary>
public sealed class GceInsertRefusalTests : IAsyncLifetime
{
    private GceTestBed _bed = null!;
    private GcsObjectStorage _storage = null!;
    private GceRunBackend _backend = null!;

    public async Task InitializeAsync()
    {
        _bed = await GceTestBed.StartAsync();
        _storage = _bed.CreateStorage();
        _backend = _bed.CreateBackend(_storage);
    }

    public async Task DisposeAsync()
    {
        _backend.Dispose();
        _storage.Dispose();
        await _bed.DisposeAsync();
    }

    [Fact]
    public async Task An_insert_refused_at_once_for_gpu_quota_is_a_quota_error_naming_the_metric_and_tries_no_other_zone()
    {
        _bed.Compute.RefuseInsertsForQuota("zone-a", "GPUS_ALL_REGIONS");

        var ex = await Assert.ThrowsAsync<GceQuotaExceededException>(() => _backend.LaunchAsync(new RunSpec("gpu-quota", "/bin/true")));

        Assert.Contains("GPUS_ALL_REGIONS", ex.Message, StringComparison.Ordinal);
        Assert.Equal("zone-a", ex.Zone);
        Assert.Equal(403, ex.HttpStatus);
        Assert.DoesNotContain(_bed.Compute.Requests, r => r.IsInsert && r.Zone != "zone-a");
        Assert.Empty(_bed.Compute.CreatedInstances);
    }

    [Fact]
    public async Task A_rate_limited_insert_is_retried_with_backoff_and_creates_one_vm()
    {
        _bed.Compute.RateLimitNextInserts(2);

        var handle = await _backend.LaunchAsync(new RunSpec("rate-limited", "/bin/sh", ["-c", "echo through"]));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var status = await _backend.WaitForCompletionAsync(handle, cancellationToken: timeout.Token);

        Assert.Equal(RunState.Succeeded, status.State);
        Assert.Equal(3, _bed.Compute.Requests.Count(r => r.IsInsert));
        Assert.Single(_bed.Compute.CreatedInstances);
    }

    [Fact]
    public async Task Labels_that_with_the_backends_own_exceed_64_are_refused_before_any_vm_naming_the_limit()
    {
        var labels = Enumerable.Range(0, 63).ToDictionary(i => $"team-{i}", _ => "x");

        var ex = await Assert.ThrowsAsync<InvalidRunSpecException>(() => _backend.LaunchAsync(new RunSpec("many-labels", "/bin/true") { Labels = labels }));

        Assert.Contains("64", ex.Message, StringComparison.Ordinal);
        Assert.Contains(GceRunBackend.RunIdLabel, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_bed.Compute.Requests, r => r.IsInsert);
        Assert.Null(await _storage.StatAsync(new RunPaths("many-labels").RunRecord));
    }
}
