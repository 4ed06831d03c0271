using System.Diagnostics;
using System.Globalization;
using Stagecraft.InFlight;
using Stagecraft.Local.Processes;
using Stagecraft.Local.Runs;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Testing;
using Stagecraft.TestChild;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>
/// Real coordinator processes (the generated <see cref="Holding"/> pipeline in <c>Stagecraft.TestChild</c>, its stages
/// on the local run backend, its backend runs in an in-flight registry file): a SIGKILLed coordinator's worker keeps
/// running on its own until the next runner start stops it, and a live coordinator's worker is never stopped by another
/// process's reaper.
/// </summary>
public sealed class PipelineBackendCrashTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_SIGKILLed_coordinators_worker_is_stopped_by_the_next_runner_start_and_resume_completes_the_run()
    {
        using var temp = new TempDirectory("backend-sigkill");
        using var leftovers = new LeftoverKiller(temp.Path);
        var run = new TrackedHoldRun(temp, "killed-backend-run");
        int oldWorker;
        using (var coordinator = run.Start("run"))
        {
            oldWorker = await run.WaitForHolderAsync();

            // While the stage runs, its backend run is in the registry, owned by the coordinator, with its handle.
            var entry = Assert.Single((await run.Registry.ReadAsync()).Entries);
            Assert.Equal((InFlightEntryState.Running, LocalRunBackend.BackendName), (entry.State, entry.BackendRun!.Backend));
            Assert.NotNull(entry.BackendRun.Handle);
            Assert.Equal(coordinator.Id, entry.OwnerProcess!.Process.Pid);

            // SIGKILL to the coordinator alone (not its process tree), as the OOM killer or `kill -9` would.
            coordinator.Process.Kill(entireProcessTree: false);
            await coordinator.WaitForExitAsync(Timeout);
        }

        // The worker runs in its own session: the coordinator's death does not stop it.
        await Task.Delay(500);
        Assert.True(IsAlive(oldWorker), "the worker died with its coordinator; this test needs it alive");

        // The gate stays closed: if the old worker were not stopped it would still be holding when the resume ends.
        using (var resumer = run.Start("resume"))
        {
            await WaitUntilAsync(() => !IsAlive(oldWorker), () => $"the dead coordinator's worker {oldWorker} is still running");
            var newWorker = await run.WaitForHolderAsync(except: oldWorker);
            Assert.NotEqual(oldWorker, newWorker);
            await run.OpenGateAsync();
            Assert.True(await resumer.WaitForExitAsync(Timeout) == 0, resumer.StandardOutput + resumer.StandardError);
            Assert.Contains("completed 110", resumer.StandardOutput, StringComparison.Ordinal);
        }

        var record = await run.Runner().GetRunRecordAsync(run.RunId);
        Assert.Equal((PipelineRunStatus.Succeeded, 2), (record.Status, record.Attempt));
        Assert.Empty((await run.Registry.ReadAsync()).Entries);
        await WaitUntilAsync(() => ProcessesMentioning(temp.Path).Count == 0, () => "still running: " + string.Join("; ", ProcessesMentioning(temp.Path)));
    }

    [Fact]
    public async Task A_live_coordinators_backend_runs_are_never_stopped_by_another_processs_reaper()
    {
        using var temp = new TempDirectory("backend-live-owner");
        using var leftovers = new LeftoverKiller(temp.Path);
        var run = new TrackedHoldRun(temp, "live-backend-run");
        using var coordinator = run.Start("run");
        var worker = await run.WaitForHolderAsync();
        await using var backend = run.Backend();
        var runner = run.Runner(backend);

        // This test process is a second process on the same host, with the same registry and backend.
        var report = await runner.ReapOrphanedBackendRunsAsync();

        Assert.Empty(report.TerminatedRuns);
        var skipped = Assert.Single(report.SkippedRuns);
        Assert.Equal(ReapSkipReason.OwnerAlive, skipped.Reason);
        Assert.Contains(coordinator.Id.ToString(CultureInfo.InvariantCulture), skipped.Detail, StringComparison.Ordinal);
        Assert.True(IsAlive(worker));
        Assert.Single((await run.Registry.ReadAsync()).Entries);

        await run.OpenGateAsync();
        Assert.True(await coordinator.WaitForExitAsync(Timeout) == 0, coordinator.StandardOutput + coordinator.StandardError);
        Assert.Contains("completed 110", coordinator.StandardOutput, StringComparison.Ordinal);
        Assert.Empty((await run.Registry.ReadAsync()).Entries);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Func<string> describe)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > Timeout)
            {
                Assert.Fail($"Not reached within {Timeout}: {describe()}");
            }

            await Task.Delay(50);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && !File.ReadAllText($"/proc/{pid}/stat").Split(") ")[^1].StartsWith('Z');
        }
        catch (Exception ex) when (ex is ArgumentException or IOException)
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
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(path, StringComparison.Ordinal) && IsAlive(pid))
                {
                    found.Add($"{pid}: {commandLine}");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while being looked at, or belongs to another user.
            }
        }

        return found;
    }

    /// <summary>When a test fails half-way, its workers would hold forever (their gate is never opened): kill whatever is left.</summary>
    private sealed class LeftoverKiller(string path) : IDisposable
    {
        public void Dispose()
        {
            foreach (var line in ProcessesMentioning(path))
            {
                try
                {
                    using var process = Process.GetProcessById(int.Parse(line[..line.IndexOf(':', StringComparison.Ordinal)], CultureInfo.InvariantCulture));
                    process.Kill();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Already gone.
                }
            }
        }
    }

    /// <summary>One run of <see cref="Holding"/> on the local backend with an in-flight registry, shared by every process of the test.</summary>
    private sealed class TrackedHoldRun(TempDirectory temp, string runId)
    {
        public string RunId { get; } = runId;

        public string Gate { get; } = temp.Combine("gate");

        public FileInFlightRegistryStore Registry { get; } = new(temp.Combine("inflight.json"));

        public LocalObjectStorage Storage { get; } = new(temp.Combine("store"));

        public LocalRunBackend Backend() => new(Storage, new LocalRunBackendOptions { StateDirectory = temp.Combine("backend"), StatusPollInterval = TimeSpan.FromMilliseconds(100) });

        public PipelineRunner Runner(LocalRunBackend? backend = null) => new(new PipelineRunnerOptions
        {
            Storage = Storage,
            WorkDirectory = temp.Combine("work-test"),
            HandleTerminationSignals = false,
            Backend = backend,
            WorkerCommand = backend is null ? null : new PipelineWorkerCommand("/bin/false"),
            InFlightRegistry = Registry,
            ProcessTable = new LinuxProcessTable(),
        });

        public TestChildProcess Start(string mode) =>
            TestChildProcess.Start("pipeline-hold", temp.Combine("store"), temp.Combine("work-" + mode), RunId, Gate, mode, "local", temp.Combine("backend"), Registry.Path);

        /// <summary>Waits until <c>Hold</c> is holding in a worker other than <paramref name="except"/> and returns its pid.</summary>
        public async Task<int> WaitForHolderAsync(int except = 0)
        {
            var pid = 0;
            await WaitUntilAsync(
                () => (pid = Directory.EnumerateFiles(temp.Path, "gate.holding.*").Select(f => int.Parse(f[(f.LastIndexOf('.') + 1)..], CultureInfo.InvariantCulture)).FirstOrDefault(p => p != except)) != 0,
                () => "Hold never started holding");
            return pid;
        }

        public Task OpenGateAsync() => File.WriteAllTextAsync(Gate, "open");
    }
}
