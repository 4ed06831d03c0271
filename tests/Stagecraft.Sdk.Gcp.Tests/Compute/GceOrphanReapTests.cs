using System.Diagnostics;
using Stagecraft.Gcp.Compute;
using Stagecraft.InFlight;
using Stagecraft.Local.Processes;
using Stagecraft.Pipelines;
using Stagecraft.Runs;

namespace Stagecraft.Sdk.Gcp.Tests.Compute;

/// <summary>
/// VMs a coordinator launched for stages and then left behind (it died) are deleted by the next runner start on the
/// same host, found through the in-flight registry — with or without their handle — and a live coordinator's VM is kept.
/// </summary>
public sealed class GceOrphanReapTests : GceBackendTestBase
{
    [Fact]
    public async Task The_next_runner_start_deletes_the_vms_of_a_dead_coordinator_and_keeps_a_live_ones()
    {
        const string Forever = "echo up; while :; do sleep 0.1; done";
        var orphan = await Backend.LaunchAsync(new RunSpec("orphan-with-handle", "/bin/sh", ["-c", Forever]));
        var unconfirmed = await Backend.LaunchAsync(new RunSpec("orphan-mid-launch", "/bin/sh", ["-c", Forever]));
        var kept = await Backend.LaunchAsync(new RunSpec("live-owners-vm", "/bin/sh", ["-c", Forever]));
        var processes = new LinuxProcessTable();
        var deadCoordinator = await DeadProcessAsync(processes);
        var liveCoordinator = processes.GetIdentity(Environment.ProcessId)!;
        var registry = new FileInFlightRegistryStore(Bed.Sandbox.Combine("inflight.json"));
        await registry.UpdateAsync(d => d with
        {
            Entries =
            [
                Entry(orphan.RunId, deadCoordinator, orphan.ToJson()),
                Entry(unconfirmed.RunId, deadCoordinator, handle: null), // killed while the insert ran
                Entry(kept.RunId, liveCoordinator, kept.ToJson()),
            ],
        });
        var runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = Storage,
            WorkDirectory = Bed.Sandbox.Combine("work"),
            Backend = Backend,
            WorkerCommand = new PipelineWorkerCommand("/bin/false"),
            InFlightRegistry = registry,
            ProcessTable = processes,
        });

        var report = await runner.ReapOrphanedBackendRunsAsync();

        Assert.Equal([unconfirmed.RunId, orphan.RunId], report.TerminatedRuns.Select(t => t.RunId).Order(StringComparer.Ordinal));
        Assert.All(report.TerminatedRuns, t => Assert.Equal(RunState.Terminated, t.Status!.State));
        Assert.Equal((kept.RunId, ReapSkipReason.OwnerAlive), (Assert.Single(report.SkippedRuns).RunId, report.SkippedRuns[0].Reason));
        Assert.Equal([GceRunBackend.InstanceName(kept.RunId)], Compute.Instances.Where(i => i.Status != "DELETED").Select(i => i.Name));
        Assert.Equal([kept.RunId], (await registry.ReadAsync()).Entries.Select(e => e.Name));

        await Backend.TerminateAsync(kept);
        Assert.DoesNotContain(Compute.Instances, i => i.Status != "DELETED");
    }

    private static InFlightEntry Entry(string runId, ProcessIdentity owner, string? handle) =>
        new(runId, "coordinator-" + owner.Pid, DateTimeOffset.UtcNow, InFlightEntryState.Running, [], null, new InFlightBackendRun(GceRunBackend.BackendName, runId, handle), new InFlightOwnerProcess(Environment.MachineName, owner));

    /// <summary>The identity of a real process that has exited (as a SIGKILLed coordinator's would be).</summary>
    private static async Task<ProcessIdentity> DeadProcessAsync(LinuxProcessTable processes)
    {
        using var child = Process.Start(new ProcessStartInfo("sleep", "30"))!;
        var identity = processes.GetIdentity(child.Id)!;
        child.Kill();
        await child.WaitForExitAsync();
        return identity;
    }
}
