using Stagecraft.InFlight;
using Stagecraft.Testing.InFlight;

namespace Stagecraft.Sdk.Tests.InFlight;

public class OrphanReaperTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeProcessTable _processes = new(self: 100, parentOfSelf: 50);
    private readonly InMemoryInFlightRegistryStore _store = new();
    private readonly ManualTimeProvider _time = new(T0);

    private OrphanReaper NewReaper(params int[] protectedPids) => new(
        _store,
        _processes,
        new OrphanReaperOptions { StaleAfter = TimeSpan.FromMinutes(2), GracePeriod = TimeSpan.Zero, ProtectedProcessIds = protectedPids, TimeProvider = _time });

    private Task Put(params InFlightEntry[] entries) => _store.UpdateAsync(d => d with { Entries = entries });

    private static InFlightEntry Entry(string name, InFlightEntryState state, DateTimeOffset heartbeat, params ProcessIdentity[] processes) =>
        new(name, "owner-1", heartbeat, state, processes);

    [Fact]
    public async Task Stale_entries_are_reaped_as_whole_trees_and_fresh_ones_are_left_alone()
    {
        var stale = _processes.Add(201, 1, "agent stale");
        _processes.Add(211, 201, "agent stale child");
        _processes.Add(212, 211, "agent stale grandchild");
        var fresh = _processes.Add(301, 1, "agent fresh");
        await Put(
            Entry("stale", InFlightEntryState.Running, T0, stale),
            Entry("fresh", InFlightEntryState.Running, T0 + TimeSpan.FromMinutes(9), fresh));
        _time.Advance(TimeSpan.FromMinutes(10));

        var report = await NewReaper().ReapAsync();

        Assert.Equal([201, 211, 212], report.Reaped.Select(r => r.Process.Pid));
        Assert.All([201, 211, 212], pid => Assert.False(_processes.IsAlive(pid)));
        Assert.True(_processes.IsAlive(301));
        Assert.Contains(report.Skipped, s => s.Pid == 301 && s.Reason == ReapSkipReason.OwnerAlive);
        Assert.Equal(["fresh"], _store.Current.Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task Handoffs_are_reaped_whatever_their_heartbeat()
    {
        var p = _processes.Add(201, 1, "agent handed off");
        await Put(Entry("job", InFlightEntryState.HandedOff, T0, p));

        var report = await NewReaper().ReapAsync();

        Assert.Equal([201], report.Reaped.Select(r => r.Process.Pid));
        Assert.Equal([new InFlightKey("owner-1", "job", InFlightEntryState.HandedOff)], report.ClearedEntries);
    }

    [Fact]
    public async Task A_recycled_pid_is_never_killed()
    {
        var recorded = _processes.Add(201, 1, "agent job");
        _processes.Recycle(201, "postgres: writer");
        await Put(Entry("job", InFlightEntryState.HandedOff, T0, recorded));

        var report = await NewReaper().ReapAsync();

        Assert.Empty(_processes.Signalled);
        Assert.True(_processes.IsAlive(201));
        Assert.Equal(ReapSkipReason.IdentityMismatch, Assert.Single(report.Skipped).Reason);
        Assert.Empty(_store.Current.Entries); // nothing of the entry is left: cleared
    }

    [Fact]
    public async Task Protected_pids_itself_and_its_ancestors_are_never_signalled_even_when_recorded()
    {
        // An older or buggy writer recorded them; the reaper must still refuse.
        var broker = _processes.Add(300, 1, "broker");
        var self = _processes.GetIdentity(100)!;
        var parent = _processes.GetIdentity(50)!;
        await Put(Entry("job", InFlightEntryState.HandedOff, T0, broker, self, parent));

        var report = await NewReaper(protectedPids: 300).ReapAsync();

        Assert.Empty(_processes.Signalled);
        Assert.Equal([300, 100, 50], report.Skipped.Where(s => s.Reason == ReapSkipReason.Protected).Select(s => s.Pid));
        Assert.Empty(report.Reaped);
    }

    [Fact]
    public async Task A_protected_process_inside_a_tree_is_spared_but_its_children_are_not()
    {
        var root = _processes.Add(201, 1, "agent root");
        _processes.Add(300, 201, "broker");
        _processes.Add(301, 300, "agent spawned by broker");
        await Put(Entry("job", InFlightEntryState.HandedOff, T0, root));

        var report = await NewReaper(protectedPids: 300).ReapAsync();

        Assert.True(_processes.IsAlive(300));
        Assert.False(_processes.IsAlive(301));
        Assert.DoesNotContain(300, _processes.Signalled);
        Assert.Contains(report.Skipped, s => s.Pid == 300 && s.Reason == ReapSkipReason.Protected);
    }

    [Fact]
    public async Task Reaping_is_idempotent()
    {
        var p = _processes.Add(201, 1, "agent");
        await Put(Entry("job", InFlightEntryState.HandedOff, T0, p));
        var reaper = NewReaper();

        var first = await reaper.ReapAsync();
        var signalled = _processes.Signalled.Count;
        var second = await reaper.ReapAsync();

        Assert.Single(first.Reaped);
        Assert.Empty(second.Reaped);
        Assert.Empty(second.Skipped);
        Assert.Empty(second.ClearedEntries);
        Assert.Equal(signalled, _processes.Signalled.Count);
    }

    [Fact]
    public async Task Processes_found_only_by_the_entrys_marker_are_reaped()
    {
        _processes.Add(300, 1, "broker");
        _processes.Add(301, 300, "agent --run job-7-3f9a2c");
        _processes.Add(302, 300, "agent --run job-8-000000");
        await Put(new InFlightEntry("job-7", "owner-1", T0, InFlightEntryState.HandedOff, [], "job-7-3f9a2c"));

        var report = await NewReaper(protectedPids: 300).ReapAsync();

        Assert.Equal([301], report.Reaped.Select(r => r.Process.Pid));
        Assert.True(_processes.IsAlive(302));
    }

    [Fact]
    public async Task An_entry_changed_by_its_owner_during_the_pass_is_not_cleared()
    {
        var p = _processes.Add(201, 1, "agent");
        var store = new HeartbeatDuringUpdateStore(_store, T0 + TimeSpan.FromMinutes(11));
        await Put(Entry("job", InFlightEntryState.Running, T0, p));
        _time.Advance(TimeSpan.FromMinutes(10));

        var report = await new OrphanReaper(store, _processes, new OrphanReaperOptions { GracePeriod = TimeSpan.Zero, TimeProvider = _time }).ReapAsync();

        Assert.Empty(report.ClearedEntries);
        Assert.Single(_store.Current.Entries);
    }

    /// <summary>Simulates the owner heartbeating between the reaper's read and its clearing write.</summary>
    private sealed class HeartbeatDuringUpdateStore(InMemoryInFlightRegistryStore inner, DateTimeOffset heartbeat) : IInFlightRegistryStore
    {
        public Task<InFlightRegistryDocument> ReadAsync(CancellationToken cancellationToken = default) => inner.ReadAsync(cancellationToken);

        public async Task<InFlightRegistryDocument> UpdateAsync(Func<InFlightRegistryDocument, InFlightRegistryDocument> update, CancellationToken cancellationToken = default)
        {
            await inner.UpdateAsync(d => d with { Entries = [.. d.Entries.Select(e => e with { Heartbeat = heartbeat })] }, cancellationToken);
            return await inner.UpdateAsync(update, cancellationToken);
        }
    }

    [Fact]
    public async Task An_owner_process_recorded_on_this_host_is_judged_by_its_identity_not_its_heartbeat()
    {
        var liveOwner = _processes.Add(400, 1, "dotnet coordinator.dll");
        var deadOwner = new ProcessIdentity(401, 1000, "boot-1", "dotnet coordinator.dll");
        var recycled = _processes.Add(402, 1, "an unrelated process that got the pid");
        var recycledOwner = recycled with { StartTicks = 5 };
        var child = _processes.Add(501, 1, "worker of the live owner");
        var orphan = _processes.Add(502, 1, "worker of the dead owner");
        var orphan2 = _processes.Add(503, 1, "worker of the recycled owner");
        await Put(
            Entry("live", InFlightEntryState.Running, T0, child) with { OwnerProcess = new InFlightOwnerProcess(Environment.MachineName, liveOwner) },
            Entry("dead", InFlightEntryState.Running, T0 + TimeSpan.FromMinutes(10), orphan) with { OwnerProcess = new InFlightOwnerProcess(Environment.MachineName, deadOwner) },
            Entry("recycled", InFlightEntryState.Running, T0 + TimeSpan.FromMinutes(10), orphan2) with { OwnerProcess = new InFlightOwnerProcess(Environment.MachineName, recycledOwner) });

        // The live owner's heartbeat is long stale, the dead ones' fresh: identity wins both ways.
        _time.Advance(TimeSpan.FromMinutes(10));
        var report = await NewReaper().ReapAsync();

        Assert.True(_processes.IsAlive(501));
        Assert.Equal([502, 503], report.Reaped.Select(r => r.Process.Pid).Order());
        Assert.Contains(report.Skipped, s => s.Pid == 501 && s.Reason == ReapSkipReason.OwnerAlive);
        Assert.Equal(["live"], _store.Current.Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task An_owner_on_another_host_is_never_judged_gone_from_here()
    {
        var worker = _processes.Add(601, 1, "worker");
        await Put(Entry("remote", InFlightEntryState.Running, T0, worker) with { OwnerProcess = new InFlightOwnerProcess("another-host", new ProcessIdentity(700, 1, "boot-9", "x")) });
        _time.Advance(TimeSpan.FromDays(1));

        var report = await NewReaper().ReapAsync();

        Assert.Empty(report.Reaped);
        Assert.Equal(ReapSkipReason.OwnerOnAnotherHost, Assert.Single(report.Skipped).Reason);
        Assert.True(_processes.IsAlive(601));
    }
}
