using Stagecraft.Gcp.Compute;
using Stagecraft.Runs;
using Stagecraft.Sdk.Gcp.Tests.Compute;
using Stagecraft.Sdk.Gcp.Tests.Storage;
using Stagecraft.WarmPool;

namespace Stagecraft.Sdk.Gcp.Tests.WarmPool;

/// <summary>
/// <see cref="GceRunBackend.LaunchAsync"/> through the warm pool, against the fake Compute API whose VMs really run the
/// generated scripts: the second launch of a profile reuses the first VM; a disabled profile launches as without a pool;
/// a claim nobody ACKs is released and the job runs cold, once.
/// </summary>
public sealed class GceWarmPoolDispatchTests : GceBackendTestBase
{
    private const string Profile = "cpu-small";

    [Fact]
    public async Task Enabling_the_pool_has_an_effect_the_second_launch_reuses_the_first_vm()
    {
        var backend = CreateBackend(PooledOptions(idleTimeout: TimeSpan.FromSeconds(30)));

        var first = await backend.LaunchAsync(new RunSpec("reuse-first", "/bin/sh", ["-c", "echo first; exit 3"]));
        Assert.Equal(3, (await backend.WaitForCompletionAsync(first, cancellationToken: Timeout())).ExitCode);
        await WaitForStateAsync(backend.WarmPool!, first.Properties["instance"], WarmInstanceState.Idle);

        var second = await backend.LaunchAsync(new RunSpec("reuse-second", "/bin/sh", ["-c", "echo second"]));
        Assert.Equal(RunState.Succeeded, (await backend.WaitForCompletionAsync(second, cancellationToken: Timeout())).State);

        var vm = Assert.Single(Compute.CreatedInstances);
        Assert.Equal(vm.Name, first.Properties["instance"]);
        Assert.Equal(vm.Name, second.Properties["instance"]);
        Assert.Equal("first\n", await ReadLogAsync(backend, first));
        Assert.Equal("second\n", await ReadLogAsync(backend, second));

        // The VM was not deleted when its run finished: it waits for the next claim.
        Assert.NotNull(Compute.GetInstance(vm.Zone, vm.Name));
        var instance = await backend.WarmPool!.GetAsync(Profile, vm.Name);
        await WaitForStateAsync(backend.WarmPool!, vm.Name, WarmInstanceState.Idle);
        Assert.Equal(2, (await backend.WarmPool!.GetAsync(Profile, vm.Name))!.Jobs);
        Assert.NotNull(instance);
    }

    [Fact]
    public async Task A_disabled_profile_launches_as_today_and_never_writes_a_pool_document()
    {
        var backend = CreateBackend(Bed.Options() with
        {
            WarmPool = new WarmPoolOptions { Profiles = new Dictionary<string, WarmPoolProfileOptions> { [Profile] = new() { Enabled = false } } },
        });

        foreach (var runId in new[] { "disabled-1", "disabled-2" })
        {
            var handle = await backend.LaunchAsync(new RunSpec(runId, "/bin/sh", ["-c", "echo hi"]));
            Assert.Equal(RunState.Succeeded, (await backend.WaitForCompletionAsync(handle, cancellationToken: Timeout())).State);
            Assert.Equal(GceRunBackend.InstanceName(runId), handle.Properties["instance"]);
        }

        Assert.Equal(2, Compute.CreatedInstances.Count);
        Assert.DoesNotContain(Bed.Gcs.GetObjects(GcsTestBed.Bucket), o => o.Name.StartsWith(WarmPoolPaths.DefaultRoot, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_claim_never_acked_is_released_the_job_runs_cold_and_a_late_ack_does_not_run_it_twice()
    {
        var backend = CreateBackend(PooledOptions(idleTimeout: TimeSpan.FromSeconds(30), ackTimeout: TimeSpan.FromSeconds(2)));
        var pool = backend.WarmPool!;

        // An idle instance whose machine never answers (its VM hangs): it exists only as a document.
        var silent = await pool.TryRegisterAsync(Profile, "silent-first", GceRunBackend.BackendName) ?? throw new InvalidOperationException("cap");
        Assert.True(await pool.MarkLaunchedAsync(silent, "zone-a"));
        Assert.NotNull(await pool.CompleteJobAsync(Profile, silent.Instance.InstanceId, "silent-first", new RunExitRecord(0)));

        var handle = await backend.LaunchAsync(new RunSpec("never-acked", "/bin/sh", ["-c", "echo ran"]));
        Assert.Equal(RunState.Succeeded, (await backend.WaitForCompletionAsync(handle, cancellationToken: Timeout())).State);

        // Released, and the job ran on a fresh VM.
        var cold = Assert.Single(Compute.CreatedInstances);
        Assert.Equal(cold.Name, handle.Properties["instance"]);
        Assert.NotEqual(silent.Instance.InstanceId, cold.Name);
        var released = await pool.GetAsync(Profile, silent.Instance.InstanceId);
        Assert.Equal(WarmInstanceState.Idle, released!.State);
        Assert.Null(released.ClaimId);

        // The silent instance wakes up and ACKs late: refused, and the job document is gone, so the job never runs there.
        Assert.Null(await pool.TryAcceptAsync(Profile, silent.Instance.InstanceId));
        Assert.Null(Bed.Gcs.GetObject(GcsTestBed.Bucket, pool.Paths.Job(Profile, "never-acked")));
        Assert.Equal("ran\n", await ReadLogAsync(backend, handle));
        Assert.Single(Bed.Gcs.GetObjects(GcsTestBed.Bucket), o => o.Name == handle.Paths.ExitCode);
    }

    [Fact]
    public async Task An_idle_vm_deletes_itself_after_its_idle_timeout_and_marks_its_document()
    {
        var backend = CreateBackend(PooledOptions(idleTimeout: TimeSpan.FromSeconds(2)));
        var handle = await backend.LaunchAsync(new RunSpec("idle-timeout", "/bin/sh", ["-c", "echo once"]));
        Assert.Equal(RunState.Succeeded, (await backend.WaitForCompletionAsync(handle, cancellationToken: Timeout())).State);
        var vm = Assert.Single(Compute.CreatedInstances);

        await WaitUntilAsync(() => Compute.GetInstance(vm.Zone, vm.Name) is null);
        Assert.Equal(WarmInstanceState.Deleting, (await backend.WarmPool!.GetAsync(Profile, vm.Name))!.State);

        // The reaper then forgets it: nothing is left.
        using var host = new GceWarmInstanceHost(Bed.Options());
        await new WarmPoolReaper(backend.WarmPool!, [host]).ReapAsync();
        Assert.Empty(await backend.WarmPool!.ListAsync().ToListAsync());
    }

    private GceRunBackendOptions PooledOptions(TimeSpan idleTimeout, TimeSpan? ackTimeout = null) => Bed.Options() with
    {
        WarmPool = new WarmPoolOptions
        {
            Profiles = new Dictionary<string, WarmPoolProfileOptions>
            {
                [Profile] = new() { IdleTimeout = idleTimeout, AckTimeout = ackTimeout ?? TimeSpan.FromSeconds(20), MaxInstances = 4 },
            },
            AckPollInterval = TimeSpan.FromMilliseconds(100),
        },
        WarmPoolPollInterval = TimeSpan.FromMilliseconds(400),
    };

    private static async Task WaitForStateAsync(Stagecraft.WarmPool.WarmPool pool, string instanceId, WarmInstanceState state) =>
        await WaitUntilAsync(async () => (await pool.GetAsync(Profile, instanceId))?.State == state);
}
