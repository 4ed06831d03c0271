using System.Text;
using Stagecraft.Runs;
using Stagecraft.Runs.Logs;
using Stagecraft.WarmPool;

namespace Stagecraft.Sdk.Tests.WarmPool;

/// <summary>Every edge of the state table, the allowed ones and the refused ones, against local storage.</summary>
public sealed class WarmPoolStateMachineTests
{
    private const string Profile = WarmPoolFixture.Profile;

    [Fact]
    public async Task Fresh_instance_registers_as_launching_then_running_never_idle()
    {
        using var f = new WarmPoolFixture();
        var registration = await f.Pool.TryRegisterAsync(Profile, "job-1", "fake");
        Assert.NotNull(registration);
        Assert.Equal(WarmInstanceState.Launching, registration.Instance.State);
        Assert.True(await f.Pool.MarkLaunchedAsync(registration, "zone-a"));
        var running = await f.Pool.GetAsync(Profile, registration.Instance.InstanceId);
        Assert.Equal(WarmInstanceState.Running, running!.State);
        Assert.Equal("job-1", running.RunId);
        Assert.Equal("zone-a", running.Location);

        // Nothing can claim it while its first job runs.
        Assert.Null(await f.Pool.TryClaimAsync(Profile, "job-2"));
    }

    [Fact]
    public async Task Launching_instance_cannot_be_claimed_and_mark_launched_twice_is_refused()
    {
        using var f = new WarmPoolFixture();
        var registration = (await f.Pool.TryRegisterAsync(Profile, "job-1", "fake"))!;
        Assert.Null(await f.Pool.TryClaimAsync(Profile, "job-2"));
        Assert.True(await f.Pool.MarkLaunchedAsync(registration, null));
        Assert.False(await f.Pool.MarkLaunchedAsync(registration, null)); // running → running is no edge
    }

    [Fact]
    public async Task First_job_end_moves_running_to_idle_but_only_for_its_own_run()
    {
        using var f = new WarmPoolFixture();
        var instance = await f.LaunchAsync("job-1");
        Assert.Null(await f.Pool.CompleteJobAsync(Profile, instance.InstanceId, "other-run", new RunExitRecord(0)));
        var idle = await f.Pool.CompleteJobAsync(Profile, instance.InstanceId, "job-1", new RunExitRecord(0));
        Assert.Equal(WarmInstanceState.Idle, idle!.State);
        Assert.Equal(1, idle.Jobs);

        // idle → idle by a job end is no edge.
        Assert.Null(await f.Pool.CompleteJobAsync(Profile, instance.InstanceId, "job-1", new RunExitRecord(0)));
    }

    [Fact]
    public async Task Job_end_from_launching_is_allowed_when_the_launcher_died_before_marking_running()
    {
        using var f = new WarmPoolFixture();
        var registration = (await f.Pool.TryRegisterAsync(Profile, "job-1", "fake"))!;
        var idle = await f.Pool.CompleteJobAsync(Profile, registration.Instance.InstanceId, "job-1", new RunExitRecord(0));
        Assert.Equal(WarmInstanceState.Idle, idle!.State);
        Assert.False(await f.Pool.MarkLaunchedAsync(registration, null)); // the late launcher does not undo it
    }

    [Fact]
    public async Task Claim_ack_and_second_claim_refused()
    {
        using var f = new WarmPoolFixture();
        var instance = await f.IdleInstanceAsync("job-1");
        var claim = await f.Pool.TryClaimAsync(Profile, "job-2");
        Assert.NotNull(claim);
        Assert.Equal(instance.InstanceId, claim.Instance.InstanceId);
        Assert.Equal(WarmInstanceState.Claimed, claim.Instance.State);
        Assert.Null(await f.Pool.TryClaimAsync(Profile, "job-3")); // claimed → claimed: no double claim

        // No job document yet: the instance cannot ACK.
        Assert.Null(await f.Pool.TryAcceptAsync(Profile, instance.InstanceId));
        await f.Pool.PutJobAsync(Profile, "job-2", Encoding.UTF8.GetBytes("the job"));
        var job = await f.Pool.TryAcceptAsync(Profile, instance.InstanceId);
        Assert.NotNull(job);
        Assert.Equal("job-2", job.RunId);
        Assert.Equal("the job", Encoding.UTF8.GetString(job.Content.Span));
        Assert.Equal(WarmInstanceState.Running, job.Instance.State);
        Assert.Null(await f.Pool.TryAcceptAsync(Profile, instance.InstanceId)); // running → running: no second ACK

        Assert.Equal(WarmAckOutcome.Acked, await f.Pool.WaitForAckAsync(claim));
        Assert.Null(await f.Storage.StatAsync(f.Pool.Paths.Job(Profile, "job-2")));
        Assert.Null(await f.Pool.TryClaimAsync(Profile, "job-3")); // running: not claimable

        var idle = await f.Pool.CompleteJobAsync(Profile, instance.InstanceId, "job-2", new RunExitRecord(0));
        Assert.Equal(2, idle!.Jobs);
    }

    [Fact]
    public async Task Unacked_claim_is_released_and_a_late_ack_does_not_run_the_job()
    {
        using var f = new WarmPoolFixture(new WarmPoolProfileOptions { AckTimeout = TimeSpan.FromSeconds(5) });
        var instance = await f.IdleInstanceAsync("job-1");
        var claim = (await f.Pool.TryClaimAsync(Profile, "job-2"))!;
        await f.Pool.PutJobAsync(Profile, "job-2", "x"u8.ToArray());
        f.Clock.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(WarmAckOutcome.Released, await f.Pool.WaitForAckAsync(claim));
        var released = await f.Pool.GetAsync(Profile, instance.InstanceId);
        Assert.Equal(WarmInstanceState.Idle, released!.State);
        Assert.Null(released.ClaimId);

        // The late ACK finds no claim (and no job): it cannot run job-2.
        Assert.Null(await f.Pool.TryAcceptAsync(Profile, instance.InstanceId));
        Assert.Null(await f.Storage.StatAsync(f.Pool.Paths.Job(Profile, "job-2")));

        // The instance is claimable again by the next launch.
        Assert.NotNull(await f.Pool.TryClaimAsync(Profile, "job-3"));
    }

    [Fact]
    public async Task Release_applies_only_while_it_is_still_that_claim()
    {
        using var f = new WarmPoolFixture(new WarmPoolProfileOptions { AckTimeout = TimeSpan.FromSeconds(5) });
        var instance = await f.IdleInstanceAsync("job-1");
        var claim = (await f.Pool.TryClaimAsync(Profile, "job-2"))!;
        await f.Pool.PutJobAsync(Profile, "job-2", "x"u8.ToArray());
        Assert.NotNull(await f.Pool.TryAcceptAsync(Profile, instance.InstanceId));
        f.Clock.Advance(TimeSpan.FromMinutes(1));

        // Past the timeout, but the ACK landed first: the claim is not released.
        Assert.Equal(WarmAckOutcome.Acked, await f.Pool.WaitForAckAsync(claim));
        Assert.Equal(WarmInstanceState.Running, (await f.Pool.GetAsync(Profile, instance.InstanceId))!.State);

        // Waiting again on the old claim while a newer claim holds the instance changes nothing (and reports the old
        // claim's job as run: it was ACKed and finished).
        await f.Pool.CompleteJobAsync(Profile, instance.InstanceId, "job-2", new RunExitRecord(0));
        var second = (await f.Pool.TryClaimAsync(Profile, "job-3"))!;
        Assert.Equal(WarmAckOutcome.Acked, await f.Pool.WaitForAckAsync(claim));
        Assert.Equal(second.ClaimId, (await f.Pool.GetAsync(Profile, instance.InstanceId))!.ClaimId);

        // A claim whose instance vanished (reaped) is lost: the launch runs the job elsewhere.
        await f.Storage.DeleteAsync(f.Pool.Paths.Instance(Profile, instance.InstanceId));
        Assert.Equal(WarmAckOutcome.Lost, await f.Pool.WaitForAckAsync(second));
    }

    [Fact]
    public async Task A_job_acked_and_finished_before_the_launcher_looks_counts_as_acked_not_lost()
    {
        // A short job on a fast instance: ACK, run, back to idle (claim id cleared) between two polls of the launcher.
        // Reading that as a lost claim would launch the job a second time.
        using var f = new WarmPoolFixture(new WarmPoolProfileOptions { AckTimeout = TimeSpan.FromSeconds(5) });
        var instance = await f.IdleInstanceAsync("job-1");
        var claim = (await f.Pool.TryClaimAsync(Profile, "job-2"))!;
        await f.Pool.PutJobAsync(Profile, "job-2", "x"u8.ToArray());
        Assert.NotNull(await f.Pool.TryAcceptAsync(Profile, instance.InstanceId));
        Assert.NotNull(await f.Pool.CompleteJobAsync(Profile, instance.InstanceId, "job-2", new RunExitRecord(0)));

        Assert.Equal(WarmAckOutcome.Acked, await f.Pool.WaitForAckAsync(claim));
        Assert.Equal(WarmInstanceState.Idle, (await f.Pool.GetAsync(Profile, instance.InstanceId))!.State);
    }

    [Fact]
    public async Task Idle_timeout_retires_idle_instance_but_not_a_claimed_one()
    {
        using var f = new WarmPoolFixture();
        var a = await f.IdleInstanceAsync("job-1");
        var retired = await f.Pool.RetireAsync(Profile, a.InstanceId);
        Assert.Equal(WarmInstanceState.Deleting, retired!.State);
        Assert.Null(await f.Pool.TryClaimAsync(Profile, "job-9")); // deleting → claimed is no edge
        Assert.Null(await f.Pool.CompleteJobAsync(Profile, a.InstanceId, "job-1", new RunExitRecord(0))); // deleting → idle is no edge

        var b = await f.IdleInstanceAsync("job-2");
        Assert.NotNull(await f.Pool.TryClaimAsync(Profile, "job-3"));
        Assert.Null(await f.Pool.RetireAsync(Profile, b.InstanceId)); // the claim won first
    }

    [Fact]
    public async Task Cap_is_enforced_when_registering_and_a_freed_place_is_reused()
    {
        using var f = new WarmPoolFixture(new WarmPoolProfileOptions { MaxInstances = 2 });
        var a = (await f.Pool.TryRegisterAsync(Profile, "job-1", "fake"))!;
        Assert.NotNull(await f.Pool.TryRegisterAsync(Profile, "job-2", "fake"));
        Assert.Null(await f.Pool.TryRegisterAsync(Profile, "job-3", "fake"));

        // The refused registration left no document behind.
        var instances = await f.Pool.ListAsync(Profile).ToListAsync();
        Assert.Equal(2, instances.Count);

        await f.Pool.AbandonLaunchAsync(a);
        Assert.NotNull(await f.Pool.TryRegisterAsync(Profile, "job-4", "fake"));
    }

    [Fact]
    public async Task Cap_holds_under_concurrent_registrations()
    {
        using var f = new WarmPoolFixture(new WarmPoolProfileOptions { MaxInstances = 3 });
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => f.Pool.TryRegisterAsync(Profile, $"job-{i}", "fake"))));
        Assert.Equal(3, results.Count(r => r is not null));
        Assert.Equal(3, (await f.Pool.ListAsync(Profile).ToListAsync()).Count);
    }

    [Fact]
    public async Task Disabled_profile_writes_no_pool_document()
    {
        using var f = new WarmPoolFixture(new WarmPoolProfileOptions { Enabled = false });
        Assert.False(f.Pool.IsEnabled(Profile));
        Assert.False(f.Pool.IsEnabled("gpu"));
        Assert.Null(await f.Pool.TryRegisterAsync(Profile, "job-1", "fake"));
        Assert.Null(await f.Pool.TryClaimAsync(Profile, "job-1"));
        Assert.Null(await f.Pool.TryClaimAsync("gpu", "job-1"));
        Assert.Empty(await f.KeysAsync());
    }

    [Fact]
    public async Task Drain_stops_claims_and_registrations_until_resumed()
    {
        using var f = new WarmPoolFixture();
        await f.IdleInstanceAsync("job-1");
        await f.Pool.DrainAsync();
        Assert.True(await f.Pool.IsDrainingAsync());
        Assert.Null(await f.Pool.TryClaimAsync(Profile, "job-2"));
        Assert.Null(await f.Pool.TryRegisterAsync(Profile, "job-2", "fake"));
        await f.Pool.ResumeAsync();
        Assert.NotNull(await f.Pool.TryClaimAsync(Profile, "job-2"));
    }

    [Fact]
    public async Task Over_age_idle_instance_is_not_claimed()
    {
        using var f = new WarmPoolFixture(new WarmPoolProfileOptions { MaxAge = TimeSpan.FromHours(1) });
        await f.IdleInstanceAsync("job-1");
        f.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Null(await f.Pool.TryClaimAsync(Profile, "job-2"));
    }

    [Theory]
    [InlineData(WarmInstanceState.Idle, WarmInstanceState.Running, WarmPoolActor.Instance)] // ACK without a claim
    [InlineData(WarmInstanceState.Claimed, WarmInstanceState.Claimed, WarmPoolActor.Launcher)] // double claim
    [InlineData(WarmInstanceState.Running, WarmInstanceState.Claimed, WarmPoolActor.Launcher)] // claim of a busy instance
    [InlineData(WarmInstanceState.Running, WarmInstanceState.Deleting, WarmPoolActor.Reaper)] // reaper never retires a running instance
    [InlineData(WarmInstanceState.Claimed, WarmInstanceState.Deleting, WarmPoolActor.Reaper)]
    [InlineData(WarmInstanceState.Launching, WarmInstanceState.Deleting, WarmPoolActor.Reaper)] // nor a freshly launched one
    [InlineData(WarmInstanceState.Launching, WarmInstanceState.Claimed, WarmPoolActor.Launcher)]
    [InlineData(WarmInstanceState.Deleting, WarmInstanceState.Idle, WarmPoolActor.Instance)]
    [InlineData(WarmInstanceState.Deleting, WarmInstanceState.Claimed, WarmPoolActor.Launcher)]
    [InlineData(WarmInstanceState.Running, WarmInstanceState.Idle, WarmPoolActor.Launcher)] // only the instance ends its job
    [InlineData(WarmInstanceState.Claimed, WarmInstanceState.Running, WarmPoolActor.Launcher)] // only the instance ACKs
    [InlineData(null, WarmInstanceState.Idle, WarmPoolActor.Launcher)] // never registered as idle
    [InlineData(null, WarmInstanceState.Running, WarmPoolActor.Launcher)]
    [InlineData(WarmInstanceState.Running, null, WarmPoolActor.Launcher)]
    public void Refused_edges_are_not_in_the_table(WarmInstanceState? from, WarmInstanceState? to, WarmPoolActor actor) =>
        Assert.False(WarmInstanceTransitions.IsAllowed(from, to, actor));

    [Fact]
    public void Paths_stay_out_of_runs_and_validate_segments()
    {
        var paths = new WarmPoolPaths();
        Assert.Equal("warmpool/cpu-small/instances/scw-abc.json", paths.Instance("cpu-small", "scw-abc"));
        Assert.Equal("warmpool/cpu-small/jobs/run-1", paths.Job("cpu-small", "run-1"));
        Assert.Equal("warmpool/cpu-small/index.json", paths.Index("cpu-small"));
        Assert.Throws<ArgumentException>(() => new WarmPoolPaths("runs/pool/"));
        Assert.Throws<ArgumentException>(() => new WarmPoolPaths("pool"));
        Assert.Throws<ArgumentException>(() => paths.Instance("cpu-small", "../x"));
        Assert.Throws<ArgumentException>(() => paths.Instance("Bad Profile", "scw-1"));
        Assert.Throws<ArgumentException>(() => paths.Job("cpu-small", "runs/x"));
    }

    [Fact]
    public void Options_are_validated()
    {
        using var storage = new Stagecraft.Testing.TempDirectory("warmpool-options");
        var local = new Stagecraft.Local.Storage.LocalObjectStorage(storage.Path);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Stagecraft.WarmPool.WarmPool(local, new WarmPoolOptions { Profiles = new Dictionary<string, WarmPoolProfileOptions> { ["cpu"] = new() { MaxInstances = 0 } } }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Stagecraft.WarmPool.WarmPool(local, new WarmPoolOptions { Profiles = new Dictionary<string, WarmPoolProfileOptions> { ["cpu"] = new() { AckTimeout = TimeSpan.Zero } } }));
        Assert.Throws<ArgumentException>(() => new Stagecraft.WarmPool.WarmPool(local, new WarmPoolOptions { Profiles = new Dictionary<string, WarmPoolProfileOptions> { ["CPU"] = new() } }));
    }

    [Fact]
    public async Task Job_end_publishes_the_exit_code_before_the_instance_turns_idle_and_a_claim_waits_for_a_finishing_instance()
    {
        using var f = new WarmPoolFixture();
        var instance = await RunningSecondJobAsync(f);

        // Between its two steps: the exit code of job-2 is stored, the document still says running.
        await RunExitPublisher.PublishAsync(f.Storage, new RunPaths("job-2"), new RunExitRecord(3));
        var claiming = f.Pool.TryClaimAsync(Profile, "job-3");
        await Task.Delay(200);
        Assert.False(claiming.IsCompleted, "the claim gave up on an instance about to turn idle");

        // The job end keeps the exit code already stored (create-only) and turns the instance idle; the waiting claim takes it.
        var idle = await f.Pool.CompleteJobAsync(Profile, instance.InstanceId, "job-2", new RunExitRecord(0));
        Assert.Equal(WarmInstanceState.Idle, idle!.State);
        Assert.Equal(3, (await RunExitPublisher.ReadAsync(f.Storage, new RunPaths("job-2")))!.ExitCode);
        var claim = await claiming.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((instance.InstanceId, "job-3"), (claim!.Instance.InstanceId, claim.Instance.RunId));

        // A job end refused (the document runs another run) still publishes its run's exit code.
        Assert.Null(await f.Pool.CompleteJobAsync(Profile, instance.InstanceId, "stray-run", new RunExitRecord(1)));
        Assert.Equal(1, (await RunExitPublisher.ReadAsync(f.Storage, new RunPaths("stray-run")))!.ExitCode);
    }

    [Fact]
    public async Task A_claim_does_not_wait_past_the_ack_timeout_for_a_finishing_instance_nor_at_all_for_a_running_one()
    {
        using var f = new WarmPoolFixture(new WarmPoolProfileOptions { MaxInstances = 3, AckTimeout = TimeSpan.FromSeconds(30) });
        await RunningSecondJobAsync(f);

        // Running with no exit code: nothing to wait for.
        Assert.Null(await f.Pool.TryClaimAsync(Profile, "job-3").WaitAsync(TimeSpan.FromSeconds(10)));

        // Finishing but never turning idle (it died between the two steps): the claim waits only up to the ACK timeout.
        await RunExitPublisher.PublishAsync(f.Storage, new RunPaths("job-2"), new RunExitRecord(0));
        var claiming = f.Pool.TryClaimAsync(Profile, "job-4");
        await Task.Delay(100);
        Assert.False(claiming.IsCompleted);
        f.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(await claiming.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_instance_leaves_mid_job_only_while_it_runs_that_job()
    {
        using var f = new WarmPoolFixture();
        var instance = await RunningSecondJobAsync(f);
        Assert.Null(await f.Pool.LeaveAsync(Profile, instance.InstanceId, "job-1")); // not the job it runs
        var left = await f.Pool.LeaveAsync(Profile, instance.InstanceId, "job-2");
        Assert.Equal(WarmInstanceState.Deleting, left!.State);
        Assert.Null(await f.Pool.LeaveAsync(Profile, instance.InstanceId, "job-2")); // deleting → deleting is no edge

        // An idle instance retires instead (idle → deleting by RetireAsync); leaving is only for a job it cannot stop.
        var idle = await f.IdleInstanceAsync("job-9");
        Assert.Null(await f.Pool.LeaveAsync(Profile, idle.InstanceId, "job-9"));
        Assert.False(WarmInstanceTransitions.IsAllowed(WarmInstanceState.Claimed, WarmInstanceState.Deleting, WarmPoolActor.Instance));
    }

    /// <summary>An instance that ran job-1 and was claimed and ACKed for job-2.</summary>
    private static async Task<WarmInstance> RunningSecondJobAsync(WarmPoolFixture f)
    {
        var instance = await f.IdleInstanceAsync("job-1");
        Assert.NotNull(await f.Pool.TryClaimAsync(Profile, "job-2"));
        await f.Pool.PutJobAsync(Profile, "job-2", Encoding.UTF8.GetBytes("the job"));
        Assert.NotNull(await f.Pool.TryAcceptAsync(Profile, instance.InstanceId));
        return (await f.Pool.GetAsync(Profile, instance.InstanceId))!;
    }
}
