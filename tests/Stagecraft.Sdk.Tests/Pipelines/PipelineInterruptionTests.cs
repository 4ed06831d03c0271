using System.Diagnostics;
using System.Globalization;
using System.Text;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Testing;
using Stagecraft.TestChild;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>
/// Real pipeline processes (the generated <see cref="Holding"/> pipeline in <c>Stagecraft.TestChild</c>) are
/// interrupted mid-run: SIGKILLed, or sent SIGINT as Ctrl-C would. The run record must say what happened, nothing
/// may keep running, a second owner must be refused while the first lives, and a resume must finish the run.
/// </summary>
public sealed class PipelineInterruptionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>Prepare(5) = 10, Hold = 11, Finish = 110.</summary>
    private const string Completed = "completed 110";

    [Fact]
    public async Task A_SIGKILLed_coordinator_is_refused_to_a_second_owner_while_alive_and_resumed_by_another_process_once_dead()
    {
        using var temp = new TempDirectory("sigkill");
        var run = new HoldRun(temp, "killed-run");
        var runner = run.Runner();

        using (var child = run.Start("run", "inprocess"))
        {
            await child.WaitForLineAsync(l => l.StartsWith("holding in process", StringComparison.Ordinal), Timeout);
            var record = await WaitForRecordAsync(runner, run.RunId, r => r.GetStage("Prepare")?.Status == StageStatus.Succeeded);

            // The owner is alive and its heartbeat fresh: a concurrent resume is refused, naming it.
            var owned = await Assert.ThrowsAsync<PipelineRunOwnedException>(() => runner.ResumeAsync(Holding.Graph, run.RunId));
            Assert.Equal(record.Owner!.Id, owned.OwnerId);
            Assert.Equal(child.Id, record.Owner.ProcessId);
            Assert.NotNull(owned.LastSeen);
            Assert.Contains(record.Owner.Id, owned.Message, StringComparison.Ordinal);

            child.Kill();
            await child.WaitForExitAsync(Timeout);
        }

        var killed = await runner.GetRunRecordAsync(run.RunId);
        Assert.Equal(PipelineRunStatus.Running, killed.Status);
        Assert.Equal(StageStatus.Succeeded, killed.GetStage("Prepare")!.Status);

        await run.OpenGateAsync();
        using (var resumer = run.Start("resume", "inprocess"))
        {
            Assert.True(await resumer.WaitForExitAsync(Timeout) == 0, resumer.StandardOutput + resumer.StandardError);
            Assert.Contains(Completed, resumer.StandardOutput, StringComparison.Ordinal);
        }

        var resumed = await runner.GetRunRecordAsync(run.RunId);
        Assert.Equal((PipelineRunStatus.Succeeded, 2), (resumed.Status, resumed.Attempt));
        Assert.Null(resumed.Owner);
        Assert.Equal(StageStatus.Cached, resumed.GetStage("Prepare")!.Status);
        Assert.Equal(StageStatus.Succeeded, resumed.GetStage("Hold")!.Status);
    }

    [Theory]
    [InlineData("inprocess")]
    [InlineData("local")]
    public async Task SIGINT_cancels_the_run_records_it_cancelled_leaves_no_process_behind_and_resume_finishes_it(string where)
    {
        using var temp = new TempDirectory("sigint");
        var run = new HoldRun(temp, "interrupted-" + where);
        var runner = run.Runner();

        using (var child = run.Start("run", where))
        {
            var holderPid = await run.WaitForHolderAsync();
            await WaitForRecordAsync(runner, run.RunId, r => r.GetStage("Prepare")?.Status == StageStatus.Succeeded);

            await SignalAsync(child.Id, "INT");

            Assert.True(await child.WaitForExitAsync(Timeout) == 130, child.StandardOutput + child.StandardError);
            Assert.Contains($"cancelled {run.RunId}: cancelled by SIGINT", child.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"ResumeAsync(Holding.Graph, \"{run.RunId}\")", child.StandardError, StringComparison.Ordinal);

            // The stage's process (the coordinator itself, or the backend's worker) and every backend supervisor are gone.
            await WaitUntilAsync(() => !ProcessAlive(holderPid) && ProcessesMentioning(temp.Path).Count == 0, () => "still running: " + string.Join("; ", ProcessesMentioning(temp.Path)));
        }

        var record = await runner.GetRunRecordAsync(run.RunId);
        Assert.Equal(PipelineRunStatus.Cancelled, record.Status);
        Assert.Equal("cancelled by SIGINT", record.Reason);
        Assert.Null(record.Owner);
        Assert.Equal(StageStatus.Succeeded, record.GetStage("Prepare")!.Status);
        Assert.Equal(StageStatus.Cancelled, record.GetStage("Hold")!.Status);
        Assert.Equal(StageStatus.Skipped, record.GetStage("Finish")!.Status);

        await run.OpenGateAsync();
        using (var resumer = run.Start("resume", where))
        {
            Assert.True(await resumer.WaitForExitAsync(Timeout) == 0, resumer.StandardOutput + resumer.StandardError);
            Assert.Contains(Completed, resumer.StandardOutput, StringComparison.Ordinal);
        }

        var resumed = await runner.GetRunRecordAsync(run.RunId);
        Assert.Equal((PipelineRunStatus.Succeeded, 2), (resumed.Status, resumed.Attempt));
        Assert.Equal(StageStatus.Cached, resumed.GetStage("Prepare")!.Status);
        Assert.Empty(ProcessesMentioning(temp.Path));
    }

    [Fact]
    public async Task A_RunAsync_rejected_because_its_run_id_is_taken_writes_nothing_and_the_original_stays_resumable()
    {
        using var temp = new TempDirectory("claim");
        var run = new HoldRun(temp, "taken-id");
        var runner = run.Runner();
        using var cancel = new CancellationTokenSource();
        var original = runner.RunAsync(Holding.Graph, run.Inputs(PipelineHoldCommands.Seed), new PipelineRunOptions { RunId = run.RunId }, cancel.Token);
        await run.WaitForHolderAsync();
        await cancel.CancelAsync();
        var cancelled = await Assert.ThrowsAsync<PipelineRunCancelledException>(() => original);
        Assert.Equal(run.RunId, cancelled.RunId);
        var before = await SnapshotAsync(run.Storage, $"runs/{run.RunId}/");

        var taken = await Assert.ThrowsAsync<PipelineRunConflictException>(() =>
            runner.RunAsync(Holding.Graph, run.Inputs(7), new PipelineRunOptions { RunId = run.RunId }));

        Assert.Equal(run.RunId, taken.RunId);
        Assert.Equal(before, await SnapshotAsync(run.Storage, $"runs/{run.RunId}/"));
        await run.OpenGateAsync();
        var resumed = await runner.ResumeAsync(Holding.Graph, run.RunId);
        Assert.Equal(110, Holding.Outputs.Finish(resumed).Value); // the original seed, not the rejected run's 7
    }

    private static async Task<PipelineRunRecord> WaitForRecordAsync(PipelineRunner runner, string runId, Func<PipelineRunRecord, bool> condition)
    {
        PipelineRunRecord? record = null;
        await WaitUntilAsync(
            async () =>
            {
                try
                {
                    record = await runner.GetRunRecordAsync(runId);
                    return condition(record);
                }
                catch (PipelineRunNotFoundException)
                {
                    return false;
                }
            },
            () => $"record of {runId}: {record?.Status} {string.Join(", ", record?.Stages.Select(s => $"{s.Stage}={s.Status}") ?? [])}");
        return record!;
    }

    private static Task WaitUntilAsync(Func<bool> condition, Func<string> describe) => WaitUntilAsync(() => Task.FromResult(condition()), describe);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> describe)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > Timeout)
            {
                Assert.Fail($"Not reached within {Timeout}: {describe()}");
            }

            await Task.Delay(50);
        }
    }

    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(CultureInfo.InvariantCulture) } })!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    private static bool ProcessAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Live processes whose command line mentions <paramref name="path"/> (this test's unique temp directory).</summary>
    private static List<string> ProcessesMentioning(string path)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var commandLine = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "cmdline"))).Replace('\0', ' ');
                var state = File.ReadAllText(Path.Combine(dir, "stat"));
                var zombie = state.Length > state.LastIndexOf(')') + 2 && state[state.LastIndexOf(')') + 2] == 'Z';
                if (!zombie && commandLine.Contains(path, StringComparison.Ordinal))
                {
                    found.Add($"{pid}: {commandLine}");
                }
            }
            catch (IOException)
            {
                // The process ended while being looked at.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's process: not one of ours.
            }
        }

        return found;
    }

    private static async Task<List<string>> SnapshotAsync(LocalObjectStorage storage, string prefix)
    {
        var objects = new List<string>();
        await foreach (var entry in storage.ListAsync(prefix))
        {
            objects.Add($"{entry.Object!.Key}@{entry.Object.Generation}");
        }

        return objects;
    }

    /// <summary>One run of <see cref="Holding"/> in a temp directory: its storage, work roots and gate file.</summary>
    private sealed class HoldRun(TempDirectory temp, string runId)
    {
        public string RunId { get; } = runId;

        public string Gate { get; } = temp.Combine("gate");

        public LocalObjectStorage Storage { get; } = new(temp.Combine("store"));

        public PipelineRunner Runner() => new(new PipelineRunnerOptions
        {
            Storage = Storage,
            WorkDirectory = temp.Combine("work-test"),
            HandleTerminationSignals = false,
        });

        public Dictionary<string, object?> Inputs(int seed) => new() { ["seed"] = seed, ["gate"] = Gate };

        public TestChildProcess Start(string mode, string where) =>
            TestChildProcess.Start("pipeline-hold", temp.Combine("store"), temp.Combine("work-" + mode), RunId, Gate, mode, where, temp.Combine("backend-" + mode));

        /// <summary>Waits until <c>Hold</c> is holding and returns the id of the process running it.</summary>
        public async Task<int> WaitForHolderAsync()
        {
            string? marker = null;
            await WaitUntilAsync(() => (marker = Directory.EnumerateFiles(temp.Path, "gate.holding.*").FirstOrDefault()) is not null, () => "Hold never started holding");
            var found = marker!;
            return int.Parse(found[(found.LastIndexOf('.') + 1)..], CultureInfo.InvariantCulture);
        }

        public Task OpenGateAsync() => File.WriteAllTextAsync(Gate, "open");
    }
}
