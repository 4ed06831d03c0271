using Stagecraft.Local.Processes;
using Stagecraft.Local.Runs;
using Stagecraft.Local.Storage;
using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Runs;

/// <summary>
/// Restart recovery with real processes: the SDK process that launched a run is SIGKILLed, and other processes (a
/// fresh child, or this test process) must still see the run's status, logs and exit code.
/// </summary>
public sealed class LocalRunRecoveryProcessTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);
    private readonly TempDirectory _dir = new("local-runs");
    private readonly List<TestChildProcess> _children = [];

    private string StoragePath => _dir.Combine("storage");

    private string StatePath => _dir.Combine("state");

    private static string NewRunId() => "rp-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Launches a run from a child SDK process, then SIGKILLs that process.</summary>
    private async Task<RunHandle> LaunchFromDoomedProcessAsync(string runId, double timeoutSeconds, string script, params string[] args)
    {
        var launcher = Start("run-launch", [StoragePath, StatePath, runId, timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), script, .. args]);
        var line = await launcher.WaitForLineAsync(l => l.StartsWith("handle ", StringComparison.Ordinal), Generous);
        // SIGKILL the launcher alone (TestChildProcess.Kill would take its whole tree, runs included): the SDK dies abruptly.
        ProcessSignals.Send(launcher.Id, PosixSignal.Kill);
        await launcher.WaitForExitAsync(Generous);
        Assert.True(launcher.Process.HasExited);
        return RunHandle.FromJson(line["handle ".Length..]);
    }

    private async Task<(string Status, List<string> Lines)> ObserveFromNewProcessAsync(RunHandle handle, string mode)
    {
        var observer = Start("run-observe", [StoragePath, StatePath, handle.ToJson(), mode]);
        Assert.Equal(0, await observer.WaitForExitAsync(Generous));
        var output = observer.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (output.Single(l => l.StartsWith("status ", StringComparison.Ordinal)), [.. output.Where(l => l.StartsWith("line ", StringComparison.Ordinal)).Select(l => l["line ".Length..])]);
    }

    private TestChildProcess Start(string command, string[] args)
    {
        var child = TestChildProcess.Start(command, args);
        _children.Add(child);
        return child;
    }

    private LocalRunBackend NewBackend() => new(new LocalObjectStorage(StoragePath), LocalRunBackendContractTests.Options(StatePath));

    [Fact]
    public async Task The_exit_code_is_recorded_after_the_launching_process_was_SIGKILLed()
    {
        var go = _dir.Combine("go");
        var handle = await LaunchFromDoomedProcessAsync(NewRunId(), 0, "echo before; while [ ! -e \"$1\" ]; do sleep 0.05; done; echo after; exit 9", go);

        // The launcher is dead; the run is not.
        await using var backend = NewBackend();
        Assert.Equal(RunState.Running, (await backend.GetStatusAsync(handle)).State);
        await File.WriteAllTextAsync(go, "go");

        // A brand-new process, which never saw the launch, reports the end.
        var (status, lines) = await ObserveFromNewProcessAsync(handle, "wait");
        Assert.Equal("status Failed 9", status);
        Assert.Equal(["before", "after"], lines);

        var storage = new LocalObjectStorage(StoragePath);
        await using var exit = await storage.GetAsync(handle.Paths.ExitCode);
        using var reader = new StreamReader(exit.Content);
        Assert.Equal(new RunExitRecord(9), RunExitRecord.Parse(await reader.ReadToEndAsync()));
    }

    [Fact]
    public async Task The_timeout_holds_after_the_launching_process_was_SIGKILLed()
    {
        var handle = await LaunchFromDoomedProcessAsync(NewRunId(), 1, "echo looping; while :; do sleep 0.1; done");

        await using var backend = NewBackend();
        using var cts = new CancellationTokenSource(Generous);
        var status = await backend.WaitForCompletionAsync(handle, cancellationToken: cts.Token);

        Assert.Equal(RunState.Failed, status.State);
        Assert.Contains("Timed out", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_process_terminates_a_run_whose_launcher_died_and_the_tree_is_gone()
    {
        var handle = await LaunchFromDoomedProcessAsync(NewRunId(), 0, "sleep 300 & echo \"child $!\"; while :; do sleep 0.1; done");
        await using var backend = NewBackend();
        var childPid = 0;
        using (var cts = new CancellationTokenSource(Generous))
        {
            await foreach (var line in backend.StreamLogsAsync(handle, LogStream.Stdout, follow: true, cts.Token))
            {
                childPid = int.Parse(line["child ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                break;
            }
        }

        var (status, lines) = await ObserveFromNewProcessAsync(handle, "terminate");

        Assert.StartsWith("status Terminated ", status, StringComparison.Ordinal);
        Assert.Equal([$"child {childPid}"], lines);
        Assert.True(ProcFs.ReadStat(childPid) is null or { HasExited: true });
        Assert.Equal(RunState.Terminated, (await backend.GetStatusAsync(handle)).State);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        foreach (var child in _children)
        {
            child.Dispose();
        }

        _dir.Dispose();
        return Task.CompletedTask;
    }
}
