using Stagecraft.Runs;
using Stagecraft.WarmPool;

namespace Stagecraft.Sdk.Tests.WarmPool;

public sealed class WarmPoolReaperTests
{
    private const string Profile = WarmPoolFixture.Profile;

    private static WarmPoolProfileOptions Short => new() { IdleTimeout = TimeSpan.FromMinutes(10), MaxAge = TimeSpan.FromHours(1), MaxInstances = 10 };

    [Fact]
    public async Task Reaper_never_deletes_a_running_instance_however_old()
    {
        using var f = new WarmPoolFixture(Short);
        var running = await f.LaunchAsync("job-1");
        f.Clock.Advance(TimeSpan.FromDays(3));
        var report = await new WarmPoolReaper(f.Pool, [f.Host]).ReapAsync();
        Assert.Empty(report.Actions);
        Assert.Empty(f.Host.Deleted);
        Assert.Equal(WarmInstanceState.Running, (await f.Pool.GetAsync(Profile, running.InstanceId))!.State);
    }

    [Fact]
    public async Task Reaper_leaves_a_freshly_launched_instance_whose_machine_does_not_exist_yet()
    {
        using var f = new WarmPoolFixture(Short);
        var registration = (await f.Pool.TryRegisterAsync(Profile, "job-1", f.Host.Backend))!;
        var report = await new WarmPoolReaper(f.Pool, [f.Host]).ReapAsync();
        Assert.Empty(report.Actions);
        Assert.NotNull(await f.Pool.GetAsync(Profile, registration.Instance.InstanceId));

        // Past the launch grace with still no machine: the launch died; its document goes.
        f.Clock.Advance(f.Options.LaunchGrace + TimeSpan.FromSeconds(1));
        report = await new WarmPoolReaper(f.Pool, [f.Host]).ReapAsync();
        Assert.Equal([registration.Instance.InstanceId], report.RemovedDocuments);
        Assert.Null(await f.Pool.GetAsync(Profile, registration.Instance.InstanceId));
        Assert.Empty(f.Host.Deleted);
    }

    [Fact]
    public async Task Vanished_instances_lose_their_documents_in_every_state()
    {
        using var f = new WarmPoolFixture(Short);
        var running = await f.LaunchAsync("job-1");
        var idle = await f.IdleInstanceAsync("job-2");
        var claimedInstance = await f.IdleInstanceAsync("job-3");
        await f.Pool.TryClaimAsync(Profile, "job-4"); // claims one of the two idle ones
        var all = await f.Pool.ListAsync(Profile).ToListAsync();
        foreach (var instance in all)
        {
            f.Host.Machines.TryRemove(instance.InstanceId, out _); // deleted by hand, or preempted and removed
        }

        var report = await new WarmPoolReaper(f.Pool, [f.Host]).ReapAsync();
        Assert.Equal(3, report.RemovedDocuments.Count());
        Assert.Empty(await f.Pool.ListAsync(Profile).ToListAsync());
        Assert.Empty((await f.Pool.ReadIndexAsync(Profile, default))!.Value.Document.Instances);
        Assert.Empty(f.Host.Deleted);
        _ = (running, idle, claimedInstance);
    }

    [Fact]
    public async Task Stopped_machine_is_deleted_and_forgotten()
    {
        using var f = new WarmPoolFixture(Short);
        var running = await f.LaunchAsync("job-1");
        f.Host.Machines[running.InstanceId] = WarmMachineStatus.Stopped; // preempted spot VM
        var report = await new WarmPoolReaper(f.Pool, [f.Host]).ReapAsync();
        Assert.Equal([running.InstanceId], report.DeletedMachines);
        Assert.Equal([running.InstanceId], report.RemovedDocuments);
    }

    [Fact]
    public async Task Idle_past_timeout_whose_self_delete_failed_is_deleted()
    {
        using var f = new WarmPoolFixture(Short);
        var idle = await f.IdleInstanceAsync("job-1");
        f.Clock.Advance(TimeSpan.FromMinutes(10)); // at the timeout: the instance deletes itself; the reaper waits for the grace
        Assert.Empty((await new WarmPoolReaper(f.Pool, [f.Host]).ReapAsync()).Actions);
        f.Clock.Advance(f.Options.SelfDeleteGrace + TimeSpan.FromSeconds(1));
        var report = await new WarmPoolReaper(f.Pool, [f.Host]).ReapAsync();
        Assert.Equal([idle.InstanceId], report.DeletedMachines);
        Assert.Null(await f.Pool.GetAsync(Profile, idle.InstanceId));
    }

    [Fact]
    public async Task Over_age_idle_instance_is_deleted_but_over_age_running_one_is_not()
    {
        using var f = new WarmPoolFixture(Short with { IdleTimeout = TimeSpan.FromDays(1) });
        var idle = await f.IdleInstanceAsync("job-1");
        var running = await f.LaunchAsync("job-2");
        f.Clock.Advance(TimeSpan.FromHours(2));
        await f.Pool.CompleteJobAsync(Profile, idle.InstanceId, "unrelated", new RunExitRecord(0)); // refused, no change
        var report = await new WarmPoolReaper(f.Pool, [f.Host]).ReapAsync();
        Assert.Equal([idle.InstanceId], report.DeletedMachines);
        Assert.Equal(WarmInstanceState.Running, (await f.Pool.GetAsync(Profile, running.InstanceId))!.State);
    }

    [Fact]
    public async Task Stuck_deleting_instance_is_finished_after_the_grace()
    {
        using var f = new WarmPoolFixture(Short);
        var idle = await f.IdleInstanceAsync("job-1");
        await f.Pool.RetireAsync(Profile, idle.InstanceId); // its self-delete call then failed
        Assert.Empty((await new WarmPoolReaper(f.Pool, [f.Host]).ReapAsync()).Actions);
        f.Clock.Advance(f.Options.SelfDeleteGrace + TimeSpan.FromSeconds(1));
        var report = await new WarmPoolReaper(f.Pool, [f.Host]).ReapAsync();
        Assert.Equal([idle.InstanceId], report.DeletedMachines);
        Assert.Empty(await f.Pool.ListAsync(Profile).ToListAsync());
    }

    [Fact]
    public async Task Instances_of_a_backend_without_host_are_left_alone()
    {
        using var f = new WarmPoolFixture(Short);
        var instance = await f.LaunchAsync("job-1");
        f.Host.Machines.Clear();
        var report = await new WarmPoolReaper(f.Pool, [new FakeWarmHost("other")]).ReapAsync();
        Assert.Empty(report.Actions);
        Assert.NotNull(await f.Pool.GetAsync(Profile, instance.InstanceId));
    }

    [Fact]
    public async Task Emergency_cleanup_needs_confirmation_then_deletes_everything_and_reports_it()
    {
        using var f = new WarmPoolFixture(Short);
        var running = await f.LaunchAsync("job-1");
        var idle = await f.IdleInstanceAsync("job-2");
        var launching = (await f.Pool.TryRegisterAsync(Profile, "job-3", f.Host.Backend))!;
        await f.Pool.PutJobAsync(Profile, "job-9", "x"u8.ToArray());

        await Assert.ThrowsAsync<WarmPoolException>(() => f.Pool.CleanupAsync([f.Host], confirm: false));
        Assert.Empty(f.Host.Deleted);

        var report = await f.Pool.CleanupAsync([f.Host], confirm: true);
        Assert.Equal(
            new[] { running.InstanceId, idle.InstanceId, launching.Instance.InstanceId }.Order(),
            report.DeletedMachines.Order());
        Assert.Equal(3, report.RemovedDocuments.Count());
        Assert.Contains(report.Actions, a => a.Kind == WarmPoolActionKind.RemovedJob && a.InstanceId == "job-9");
        Assert.Empty(f.Host.Machines);

        // Only the drain marker (and the emptied index) remain.
        var keys = await f.KeysAsync();
        Assert.DoesNotContain(keys, k => k.Contains("/instances/", StringComparison.Ordinal) || k.Contains("/jobs/", StringComparison.Ordinal));
        Assert.True(await f.Pool.IsDrainingAsync());
    }
}
