using Stagecraft.InFlight;
using Stagecraft.Local.Processes;
using Stagecraft.IO;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Processes;

/// <summary>Dispatcher hand-off and reaper against real process trees.</summary>
public sealed class OrphanReaperProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new("reaper");
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private readonly LinuxProcessTable _table = new();

    private FileInFlightRegistryStore NewStore() => new(_dir.Combine("inflight.json"), Durability.None);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task After_a_failed_dispatch_the_reaper_leaves_zero_survivors_except_the_protected_process()
    {
        // Seed 004: agents spawned for a dispatch that then failed were abandoned; the reaper could not see them.
        using var tree = await ChildProcessTree.StartAsync("sleeper", "shell", "stubborn", "nested");
        var broker = tree.Pid("sleeper"); // stands in for a shared broker that must survive
        var store = NewStore();
        using var dispatcher = new InFlightDispatcher(store, _table, new InFlightDispatcherOptions { OwnerId = "dispatcher-1", ProtectedProcessIds = [broker] });

        await dispatcher.RecordSpawnedAsync("job-a", [tree.Pid("root"), broker]);
        await dispatcher.HandOffAsync("job-a"); // the dispatch failed
        Assert.DoesNotContain(broker, (await store.ReadAsync()).Entries.SelectMany(e => e.Processes).Select(p => p.Pid));

        var reaper = new OrphanReaper(store, _table, new OrphanReaperOptions { GracePeriod = TimeSpan.FromMilliseconds(500), ProtectedProcessIds = [broker] });
        var report = await reaper.ReapAsync();

        var everyoneElse = tree.AllPids.Where(p => p != broker).ToList();
        Assert.Empty(await ChildProcessTree.SurvivorsAfterAsync(everyoneElse, Generous));
        Assert.True(ChildProcessTree.IsAlive(broker));
        Assert.Equal(everyoneElse.Order(), report.Reaped.Select(r => r.Process.Pid).Order());
        Assert.Contains(report.Skipped, s => s.Pid == broker && s.Reason == ReapSkipReason.Protected);
        Assert.Empty((await store.ReadAsync()).Entries);

        var again = await reaper.ReapAsync();
        Assert.Empty(again.Reaped);
        Assert.Empty(again.ClearedEntries);
        Assert.True(ChildProcessTree.IsAlive(broker));
    }

    [Fact]
    public async Task Stale_owner_entries_are_reaped_but_never_the_reaper_or_its_ancestors()
    {
        using var tree = await ChildProcessTree.StartAsync("shell");
        var store = NewStore();
        var self = _table.GetIdentity(Environment.ProcessId)!;
        var parent = _table.GetIdentity(_table.GetParentProcessId(Environment.ProcessId)!.Value)!;
        var stale = DateTimeOffset.UtcNow - TimeSpan.FromHours(1);
        await store.UpdateAsync(d => d with
        {
            Entries =
            [
                new InFlightEntry("job-b", "dead-owner", stale, InFlightEntryState.Running, [_table.GetIdentity(tree.Pid("root"))!, self, parent]),
            ],
        });

        var report = await new OrphanReaper(store, _table, new OrphanReaperOptions { StaleAfter = TimeSpan.FromMinutes(1), GracePeriod = TimeSpan.FromSeconds(2) }).ReapAsync();

        Assert.Empty(await ChildProcessTree.SurvivorsAfterAsync(tree.AllPids, Generous));
        Assert.Equal(new[] { self.Pid, parent.Pid }.Order(), report.Skipped.Where(s => s.Reason == ReapSkipReason.Protected).Select(s => s.Pid).Order());
        Assert.Equal(tree.AllPids.Order(), report.Reaped.Select(r => r.Process.Pid).Order());
        Assert.True(ChildProcessTree.IsAlive(parent.Pid));
    }

    [Fact]
    public async Task A_record_whose_pid_was_recycled_kills_nothing()
    {
        using var tree = await ChildProcessTree.StartAsync("sleeper");
        var store = NewStore();
        var live = _table.GetIdentity(tree.Pid("sleeper"))!;
        var oldRecord = live with { CommandLine = "agent job-c (exited long ago)" };
        await store.UpdateAsync(d => d with { Entries = [new InFlightEntry("job-c", "o", DateTimeOffset.UtcNow, InFlightEntryState.HandedOff, [oldRecord])] });

        var report = await new OrphanReaper(store, _table, new OrphanReaperOptions { GracePeriod = TimeSpan.Zero }).ReapAsync();

        Assert.True(ChildProcessTree.IsAlive(live.Pid));
        Assert.Empty(report.Reaped);
        Assert.Equal(ReapSkipReason.IdentityMismatch, Assert.Single(report.Skipped).Reason);
    }

    [Fact]
    public async Task The_tree_of_a_dispatcher_that_died_is_reaped_from_another_process()
    {
        var store = NewStore();
        using var dispatcher = Stagecraft.Testing.TestChildProcess.Start("reaper-dispatch", store.Path, "dispatcher-9", "job-d", "shell", "stubborn");
        var line = await dispatcher.WaitForLineAsync(l => l.StartsWith("recorded ", StringComparison.Ordinal), Generous);
        var pids = line["recorded ".Length..].Split(' ').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToList();

        try
        {
            // The owner dies abruptly (only it: its tree is what the reaper must find).
            // (Not WaitForExitAsync: the orphans still hold the dispatcher's inherited stderr pipe, so EOF never comes.)
            ProcessSignals.Send(dispatcher.Id, PosixSignal.Kill);
            Assert.Empty(await ChildProcessTree.SurvivorsAfterAsync([dispatcher.Id], Generous));
            Assert.All(pids, pid => Assert.True(ChildProcessTree.IsAlive(pid)));

            var report = await new OrphanReaper(store, _table, new OrphanReaperOptions { StaleAfter = TimeSpan.Zero, GracePeriod = TimeSpan.FromMilliseconds(500) }).ReapAsync();

            Assert.Empty(await ChildProcessTree.SurvivorsAfterAsync(pids, Generous));
            Assert.Equal(pids.Order(), report.Reaped.Select(r => r.Process.Pid).Order());
            Assert.Empty((await store.ReadAsync()).Entries);
        }
        finally
        {
            // If an assertion failed before the reaper ran, do not leak the orphans (only pids this test's child started).
            foreach (var pid in pids.Where(ChildProcessTree.IsAlive))
            {
                ProcessSignals.Send(pid, PosixSignal.Kill);
            }
        }
    }
}
