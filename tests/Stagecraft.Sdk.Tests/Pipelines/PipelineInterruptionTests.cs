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
/// interrupted mid-run: SIGKILLed, or sent SIGINT (as Ctrl-C would) or SIGTERM (as a service manager would), once or twice. The run record must say what happened, nothing
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
    [InlineData("inprocess", "INT")]
    [InlineData("local", "INT")]
    [InlineData("inprocess", "TERM")]
    [InlineData("local", "TERM")]
    public async Task A_SIGINT_or_SIGTERM_cancels_the_run_records_it_cancelled_leaves_no_process_behind_and_resume_finishes_it(string where, string signal)
    {
        using var temp = new TempDirectory("sig" + signal.ToLowerInvariant());
        var run = new HoldRun(temp, "interrupted-" + where);
        var runner = run.Runner();

        using (var child = run.Start("run", where))
        {
            var holderPid = await run.WaitForHolderAsync();
            await WaitForRecordAsync(runner, run.RunId, r => r.GetStage("Prepare")?.Status == StageStatus.Succeeded);

            await SignalAsync(child.Id, signal);

            // The child turns the runner's PipelineRunCancelledException into exit code 130.
            Assert.True(await child.WaitForExitAsync(Timeout) == 130, child.StandardOutput + child.StandardError);
            Assert.Contains($"cancelled {run.RunId}: cancelled by SIG{signal}", child.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"ResumeAsync(Holding.Graph, \"{run.RunId}\")", child.StandardError, StringComparison.Ordinal);

            // The stage's process (the coordinator itself, or the backend's worker) and every backend supervisor are gone.
            await WaitUntilAsync(() => !ProcessAlive(holderPid) && ProcessesMentioning(temp.Path).Count == 0, () => "still running: " + string.Join("; ", ProcessesMentioning(temp.Path)));
        }

        var record = await runner.GetRunRecordAsync(run.RunId);
        Assert.Equal(PipelineRunStatus.Cancelled, record.Status);
        Assert.Equal($"cancelled by SIG{signal}", record.Reason);
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

    /// <summary>
    /// <see cref="PipelineRunnerOptions.HandleTerminationSignals"/>: the first signal only starts the cancellation (here
    /// it cannot finish: the holding stage ignores it); a second signal gets the default action and ends the process at
    /// once, killed by that signal, without writing a final record. The record then still says Running, with the
    /// stages finished before recorded finished, and its owner's process is gone — so a resume takes it over at once.
    /// </summary>
    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public async Task A_second_signal_ends_the_process_at_once_and_the_record_is_left_running_for_resume_to_take_over(string signal, int killedBySignal)
    {
        using var temp = new TempDirectory("second-" + signal.ToLowerInvariant());
        var run = new HoldRun(temp, "twice-" + signal.ToLowerInvariant());
        var runner = run.Runner();
        await File.WriteAllTextAsync(run.Gate + ".stubborn", "ignore cancellation");

        using (var child = run.Start("run", "inprocess"))
        {
            await run.WaitForHolderAsync();
            await WaitForRecordAsync(runner, run.RunId, r => r.GetStage("Prepare")?.Status == StageStatus.Succeeded);

            await SignalAsync(child.Id, signal);

            // The first signal was handled, not obeyed: the process keeps running while its run tries to cancel.
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.False(child.Process.HasExited, "the first signal ended the process: " + child.StandardOutput + child.StandardError);

            await SignalAsync(child.Id, signal);
            var stopped = Stopwatch.StartNew();
            var exitCode = await child.WaitForExitAsync(Timeout);
            Assert.True(exitCode == killedBySignal, $"exit {exitCode} after SIG{signal} twice: {child.StandardOutput}{child.StandardError}");
            Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(30), $"the second signal took {stopped.Elapsed} to end the process");
            Assert.DoesNotContain("cancelled " + run.RunId, child.StandardOutput, StringComparison.Ordinal);
        }

        var record = await runner.GetRunRecordAsync(run.RunId);
        Assert.Equal(PipelineRunStatus.Running, record.Status);
        Assert.Equal(StageStatus.Succeeded, record.GetStage("Prepare")!.Status);
        Assert.NotNull(record.Owner);

        File.Delete(run.Gate + ".stubborn");
        await run.OpenGateAsync();
        var resumed = await runner.ResumeAsync(Holding.Graph, run.RunId);
        Assert.Equal(110, Holding.Outputs.Finish(resumed).Value);
        Assert.Equal(PipelineRunStatus.Succeeded, (await runner.GetRunRecordAsync(run.RunId)).Status);
    }

    /// <summary>
    /// Prune and runs whose record says Running: one whose coordinator was SIGKILLed (same host, process gone) and one
    /// whose owner on another host stopped renewing its lease are abandoned and removed by the rules; one whose
    /// coordinator is alive and one whose remote owner is fresh are never touched, and the live one then finishes.
    /// </summary>
    [Fact]
    public async Task Prune_removes_runs_whose_owner_is_provably_dead_and_never_touches_a_live_ones()
    {
        using var temp = new TempDirectory("prune-abandoned");
        var killed = new HoldRun(temp, "killed-owner", "gate-killed");
        var live = new HoldRun(temp, "live-owner", "gate-live");
        var runner = killed.Runner();

        using (var child = killed.Start("run", "inprocess"))
        {
            await killed.WaitForHolderAsync();
            await WaitForRecordAsync(runner, killed.RunId, r => r.GetStage("Prepare")?.Status == StageStatus.Succeeded);
            child.Kill();
            await child.WaitForExitAsync(Timeout);
        }

        Assert.Equal(PipelineRunStatus.Running, (await runner.GetRunRecordAsync(killed.RunId)).Status);

        // Two runs owned by processes on another host: one silent for longer than the lease, one seen just now.
        var staleRemote = await RemoteOwnedRunAsync(runner, killed, "stale-remote", TimeSpan.FromMinutes(5));
        var freshRemote = await RemoteOwnedRunAsync(runner, killed, "fresh-remote", TimeSpan.Zero);

        using var liveChild = live.Start("run", "inprocess");
        await live.WaitForHolderAsync();
        await WaitForRecordAsync(runner, live.RunId, r => r.GetStage("Prepare")?.Status is StageStatus.Succeeded or StageStatus.Cached);

        var plan = await runner.PruneAsync(new PruneOptions { OlderThan = DateTimeOffset.UtcNow.AddMinutes(1), ContentGracePeriod = TimeSpan.Zero, DryRun = true });
        var result = await runner.PruneAsync(new PruneOptions { OlderThan = DateTimeOffset.UtcNow.AddMinutes(1), ContentGracePeriod = TimeSpan.Zero });

        string[] abandoned = [killed.RunId, staleRemote];
        Assert.Equal(abandoned.Order(StringComparer.Ordinal), result.AbandonedRuns.Order(StringComparer.Ordinal));
        Assert.Equal(abandoned.Order(StringComparer.Ordinal), result.RemovedRuns.Order(StringComparer.Ordinal));
        Assert.Equal(result.RemovedRuns.Order(StringComparer.Ordinal), plan.RemovedRuns.Order(StringComparer.Ordinal));
        await Assert.ThrowsAsync<PipelineRunNotFoundException>(() => runner.GetRunRecordAsync(killed.RunId));
        Assert.Equal(PipelineRunStatus.Running, (await runner.GetRunRecordAsync(freshRemote)).Status);
        Assert.Equal(PipelineRunStatus.Running, (await runner.GetRunRecordAsync(live.RunId)).Status);

        await live.OpenGateAsync();
        Assert.True(await liveChild.WaitForExitAsync(Timeout) == 0, liveChild.StandardOutput + liveChild.StandardError);
        Assert.Contains(Completed, liveChild.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(PipelineRunStatus.Succeeded, (await runner.GetRunRecordAsync(live.RunId)).Status);
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

    /// <summary>A finished run whose record is rewritten to say Running, owned by a process on another host last seen <paramref name="silentFor"/> ago.</summary>
    private static async Task<string> RemoteOwnedRunAsync(PipelineRunner runner, HoldRun like, string runId, TimeSpan silentFor)
    {
        await like.OpenGateAsync();
        await runner.RunAsync(Holding.Graph, like.Inputs(PipelineHoldCommands.Seed), new PipelineRunOptions { RunId = runId });
        File.Delete(like.Gate);
        var stored = (await runner.Records.TryReadAsync(runId, CancellationToken.None))!;
        var owner = new PipelineRunOwner { Id = "elsewhere:4242:0001", Host = "another-host", ProcessId = 4242, Heartbeat = DateTimeOffset.UtcNow - silentFor };
        await runner.Records.WriteAsync(stored.Record with { Status = PipelineRunStatus.Running, FinishedAt = null, Owner = owner }, stored.Generation, CancellationToken.None);
        return runId;
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
    private sealed class HoldRun(TempDirectory temp, string runId, string gate = "gate")
    {
        public string RunId { get; } = runId;

        public string Gate { get; } = temp.Combine(gate);

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
            await WaitUntilAsync(() => (marker = Directory.EnumerateFiles(temp.Path, gate + ".holding.*").FirstOrDefault()) is not null, () => "Hold never started holding");
            var found = marker!;
            return int.Parse(found[(found.LastIndexOf('.') + 1)..], CultureInfo.InvariantCulture);
        }

        public Task OpenGateAsync() => File.WriteAllTextAsync(Gate, "open");
    }
}
