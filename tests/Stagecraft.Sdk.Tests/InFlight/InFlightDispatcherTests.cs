using Stagecraft.InFlight;
using Stagecraft.Testing.InFlight;

namespace Stagecraft.Sdk.Tests.InFlight;

public class InFlightDispatcherTests
{
    private const string Owner = "host-a:100";
    private readonly FakeProcessTable _processes = new(self: 100, parentOfSelf: 50);
    private readonly InMemoryInFlightRegistryStore _store = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private InFlightDispatcher NewDispatcher(params int[] protectedPids) =>
        new(_store, _processes, new InFlightDispatcherOptions { OwnerId = Owner, ProtectedProcessIds = protectedPids, TimeProvider = _time });

    private InFlightEntry? Stored(string name, InFlightEntryState state) =>
        _store.Current.Find(new InFlightKey(Owner, name, state));

    [Fact]
    public async Task Recorded_processes_are_persisted_with_identity_and_heartbeat()
    {
        var p = _processes.Add(201, 100, "worker --run job-a");
        using var dispatcher = NewDispatcher();

        await dispatcher.RecordSpawnedAsync("job-a", [201]);

        var entry = Stored("job-a", InFlightEntryState.Running)!;
        Assert.Equal([p], entry.Processes);
        Assert.Equal(_time.GetUtcNow(), entry.Heartbeat);
        Assert.Equal(Owner, entry.OwnerId);
    }

    [Fact]
    public async Task Protected_pids_are_filtered_before_anything_is_persisted()
    {
        // Seed: a protected broker pid was persisted, so the reaper treated the agent as resolved and left its children alive.
        _processes.Add(300, 1, "broker");
        _processes.Add(201, 300, "agent job-a");
        using var dispatcher = NewDispatcher(protectedPids: 300);

        // 300 configured, 100 this process, 50 its parent, 1 init: none may reach the registry.
        var entry = await dispatcher.RecordSpawnedAsync("job-a", [300, 100, 50, 1, 0, -7, 201]);
        await dispatcher.HandOffAsync("job-a", additionalProcessIds: [300, 50]);

        Assert.Equal([201], entry.Processes.Select(p => p.Pid));
        var pids = _store.Current.Entries.SelectMany(e => e.Processes).Select(p => p.Pid).ToList();
        Assert.Equal([201], pids);
    }

    [Fact]
    public async Task Pids_that_are_not_running_are_not_recorded()
    {
        using var dispatcher = NewDispatcher();
        var entry = await dispatcher.RecordSpawnedAsync("job-a", [4242]);
        Assert.Empty(entry.Processes);
    }

    [Fact]
    public async Task Failed_dispatch_hands_the_spawned_processes_to_the_reaper()
    {
        _processes.Add(201, 100, "agent job-a");
        using var dispatcher = NewDispatcher();
        await dispatcher.RecordSpawnedAsync("job-a", [201]);

        var handoff = await dispatcher.HandOffAsync("job-a");

        Assert.NotNull(handoff);
        Assert.Null(Stored("job-a", InFlightEntryState.Running));
        Assert.Equal([201], Stored("job-a", InFlightEntryState.HandedOff)!.Processes.Select(p => p.Pid));
    }

    [Fact]
    public async Task An_earlier_handoff_for_the_same_key_survives_a_failed_later_write()
    {
        // Seed (rollback that erased an earlier hand-off): on a failed write the rollback deleted the key, dropping the
        // earlier hand-off from memory, and the next registry write erased it from disk too.
        _processes.Add(201, 100, "agent job-a attempt-1");
        _processes.Add(202, 100, "agent job-a attempt-2");
        _processes.Add(203, 100, "agent job-a attempt-3");
        using var dispatcher = NewDispatcher();

        await dispatcher.RecordSpawnedAsync("job-a", [201]);
        await dispatcher.HandOffAsync("job-a");                       // attempt 1 failed: hand-off [201] is durable
        await dispatcher.RecordSpawnedAsync("job-a", [202]);         // attempt 2 spawned
        var before = dispatcher.TrackedEntries.OrderBy(e => e.State).ToList();

        _store.FailNextWrites();
        await Assert.ThrowsAsync<IOException>(() => dispatcher.HandOffAsync("job-a")); // attempt 2 failed, and so did its write

        // Memory rolled back to the exact prior values (not deleted), and the durable document is unchanged.
        Assert.Equal(before, dispatcher.TrackedEntries.OrderBy(e => e.State).ToList());
        Assert.Equal([201], Stored("job-a", InFlightEntryState.HandedOff)!.Processes.Select(p => p.Pid));
        Assert.Equal([202], Stored("job-a", InFlightEntryState.Running)!.Processes.Select(p => p.Pid));

        // The next successful write for the same key still carries the earlier hand-off.
        await dispatcher.RecordSpawnedAsync("job-a", [203]);
        await dispatcher.HandOffAsync("job-a");
        Assert.Equal([201, 202, 203], Stored("job-a", InFlightEntryState.HandedOff)!.Processes.Select(p => p.Pid).Order());
    }

    [Fact]
    public async Task A_failed_write_removes_only_the_entries_that_call_added()
    {
        _processes.Add(201, 100, "agent a");
        _processes.Add(202, 100, "agent b");
        using var dispatcher = NewDispatcher();
        await dispatcher.RecordSpawnedAsync("job-a", [201]);

        _store.FailNextWrites();
        await Assert.ThrowsAsync<IOException>(() => dispatcher.RecordSpawnedAsync("job-b", [202]));

        Assert.Equal(["job-a"], dispatcher.TrackedEntries.Select(e => e.Name));
        Assert.Equal(["job-a"], _store.Current.Entries.Select(e => e.Name));

        // A later write does not resurrect job-b nor lose job-a.
        await dispatcher.HeartbeatAsync();
        Assert.Equal(["job-a"], _store.Current.Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task Success_or_completion_clears_tracked_and_handed_off_entries()
    {
        _processes.Add(201, 100, "agent a");
        _processes.Add(202, 100, "agent a retry");
        using var dispatcher = NewDispatcher();
        await dispatcher.RecordSpawnedAsync("job-a", [201]);
        await dispatcher.HandOffAsync("job-a");
        await dispatcher.RecordSpawnedAsync("job-a", [202]);

        await dispatcher.CompleteAsync("job-a");

        Assert.Empty(_store.Current.Entries);
        Assert.Empty(dispatcher.TrackedEntries);

        // Seed: cleared hand-offs lingered in memory and reappeared in later registry writes.
        _processes.Add(203, 100, "agent c");
        await dispatcher.RecordSpawnedAsync("job-c", [203]);
        await dispatcher.HeartbeatAsync();
        Assert.Equal(["job-c"], _store.Current.Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task Heartbeat_refreshes_tracked_entries_and_rolls_back_on_failure()
    {
        _processes.Add(201, 100, "agent a");
        _processes.Add(202, 100, "agent b");
        using var dispatcher = NewDispatcher();
        await dispatcher.RecordSpawnedAsync("job-a", [201]);
        await dispatcher.RecordSpawnedAsync("job-b", [202]);
        await dispatcher.HandOffAsync("job-b");
        var t0 = _time.GetUtcNow();

        _time.Advance(TimeSpan.FromSeconds(30));
        await dispatcher.HeartbeatAsync();
        Assert.Equal(t0 + TimeSpan.FromSeconds(30), Stored("job-a", InFlightEntryState.Running)!.Heartbeat);
        Assert.Equal(t0, Stored("job-b", InFlightEntryState.HandedOff)!.Heartbeat); // hand-offs are not kept alive

        _time.Advance(TimeSpan.FromSeconds(30));
        _store.FailNextWrites();
        await Assert.ThrowsAsync<IOException>(() => dispatcher.HeartbeatAsync());
        Assert.Equal(t0 + TimeSpan.FromSeconds(30), dispatcher.TrackedEntries.Single(e => e.Name == "job-a").Heartbeat);
    }

    [Fact]
    public async Task Other_owners_entries_are_never_touched()
    {
        _processes.Add(201, 100, "agent a");
        await _store.UpdateAsync(d => d with { Entries = [new InFlightEntry("job-a", "other-owner", _time.GetUtcNow(), InFlightEntryState.HandedOff, [])] });
        using var dispatcher = NewDispatcher();

        await dispatcher.RecordSpawnedAsync("job-a", [201]);
        await dispatcher.CompleteAsync("job-a");

        Assert.Equal(["other-owner"], _store.Current.Entries.Select(e => e.OwnerId));
    }

    [Fact]
    public async Task Markers_too_short_to_be_unique_are_rejected()
    {
        using var dispatcher = NewDispatcher();
        await Assert.ThrowsAsync<ArgumentException>(() => dispatcher.RecordSpawnedAsync("job-a", [], commandLineMarker: "job"));
        await Assert.ThrowsAsync<ArgumentException>(() => dispatcher.RecordSpawnedAsync("", []));
        Assert.Throws<ArgumentException>(() => new InFlightDispatcher(_store, _processes, new InFlightDispatcherOptions { OwnerId = "" }));
    }

    [Fact]
    public async Task A_backend_run_is_recorded_with_the_owner_process_and_handed_off_with_it_when_its_launch_failed()
    {
        using var dispatcher = NewDispatcher();

        var recorded = await dispatcher.RecordBackendRunAsync("stage-run-1", new InFlightBackendRun("gce", "stage-run-1"));
        var handedOff = await dispatcher.HandOffAsync("stage-run-1");

        Assert.Equal(new InFlightOwnerProcess(Environment.MachineName, _processes.GetIdentity(100)!), recorded.OwnerProcess);
        Assert.Null(Stored("stage-run-1", InFlightEntryState.Running));
        var stored = Stored("stage-run-1", InFlightEntryState.HandedOff)!;
        Assert.Equal(handedOff!.Key, stored.Key);
        Assert.Equal((new InFlightBackendRun("gce", "stage-run-1"), recorded.OwnerProcess), (stored.BackendRun, stored.OwnerProcess));
        Assert.Empty(stored.Processes);

        await dispatcher.CompleteAsync("stage-run-1");
        Assert.Empty(_store.Current.Entries);
    }
}
