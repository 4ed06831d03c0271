using System.Diagnostics;
using Stagecraft.InFlight;
using Stagecraft.Local.Processes;
using Stagecraft.Testing;

namespace Stagecraft.Cli.Tests;

/// <summary><c>stagecraft reap</c> over a real in-flight registry file and a real orphaned process.</summary>
public sealed class ReapCommandTests
{
    [Fact]
    public async Task Reap_kills_a_handed_off_process_tree_and_a_second_pass_is_a_no_op()
    {
        using var dir = new TempDirectory("cli-reap");
        using var orphan = Process.Start(new ProcessStartInfo("sleep", "300"))!;
        try
        {
            var identity = new LinuxProcessTable().GetIdentity(orphan.Id)!;
            var registry = dir.Combine("inflight.json");
            await new FileInFlightRegistryStore(registry).UpdateAsync(d => d with
            {
                Entries = [new InFlightEntry("job-1", "owner-1", DateTimeOffset.UtcNow.AddHours(-1), InFlightEntryState.HandedOff, [identity])],
            });

            var reap = await CliProcess.RunAsync(["reap", "--registry", registry, "--grace", "1s", "--json"]);
            Assert.True(reap.ExitCode == 0, reap.ToString());
            Assert.Equal(orphan.Id, reap.Json().GetProperty("reaped")[0].GetProperty("pid").GetInt32());
            Assert.True(orphan.WaitForExit(TimeSpan.FromSeconds(30)));

            var again = await CliProcess.RunAsync(["reap", "--registry", registry, "--json"]);
            Assert.Equal(0, again.Json().GetProperty("reaped").GetArrayLength());
        }
        finally
        {
            if (!orphan.HasExited)
            {
                orphan.Kill();
            }
        }
    }

    [Fact]
    public async Task Reap_with_the_local_backend_stops_the_backend_run_of_a_coordinator_that_is_gone()
    {
        using var dir = new TempDirectory("cli-reap-backend");
        var storage = new Stagecraft.Local.Storage.LocalObjectStorage(dir.Combine("store"));
        await using var backend = new Stagecraft.Local.Runs.LocalRunBackend(storage, new Stagecraft.Local.Runs.LocalRunBackendOptions { StateDirectory = dir.Combine("backend"), TerminationGracePeriod = TimeSpan.FromSeconds(1) });
        var handle = await backend.LaunchAsync(new Stagecraft.Runs.RunSpec("orphaned-stage-run", "/bin/sh", ["-c", "sleep 300"]));
        var goneOwner = new ProcessIdentity(Environment.ProcessId, 1, "no-such-boot", "a coordinator that is gone");
        var registry = dir.Combine("inflight.json");
        await new FileInFlightRegistryStore(registry).UpdateAsync(d => d with
        {
            Entries = [new InFlightEntry("orphaned-stage-run", "owner-1", DateTimeOffset.UtcNow, InFlightEntryState.Running, [], null, new InFlightBackendRun("local", handle.RunId, handle.ToJson()), new InFlightOwnerProcess(Environment.MachineName, goneOwner))],
        });

        var reap = await CliProcess.RunAsync(["reap", "--registry", registry, "--storage", dir.Combine("store"), "--local-backend", dir.Combine("backend"), "--json"]);

        Assert.True(reap.ExitCode == 0, reap.ToString());
        var stopped = reap.Json().GetProperty("terminatedRuns")[0];
        Assert.Equal(handle.RunId, stopped.GetProperty("runId").GetString());
        Assert.Equal(Stagecraft.Runs.RunState.Terminated, (await backend.GetStatusAsync(handle)).State);
        Assert.Empty((await new FileInFlightRegistryStore(registry).ReadAsync()).Entries);
    }

    [Fact]
    public async Task Reap_reports_a_missing_registry_and_bad_durations()
    {
        using var dir = new TempDirectory("cli-reap-bad");
        var registry = dir.WriteFile("inflight.json", """{"v":1,"entries":[]}""");

        var missing = await CliProcess.RunAsync(["reap", "--registry", dir.Combine("nope.json")]);
        var badGrace = await CliProcess.RunAsync(["reap", "--registry", registry, "--grace", "soon"]);

        Assert.Equal(CliExitCodes.NotFound, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr, StringComparison.Ordinal);
        Assert.Equal(CliExitCodes.UsageError, badGrace.ExitCode);
        Assert.Contains("invalid --grace 'soon'", badGrace.Stderr, StringComparison.Ordinal);
    }
}
