using Stagecraft.Local.Runs;
using Stagecraft.Pipelines;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using Stagecraft.Testing;
using Stagecraft.TestChild;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>Stages run as separate worker processes through the local run backend, with inputs and outputs in storage.</summary>
public sealed class PipelineBackendTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new("backend");
    private LocalRunBackend _backend = null!;
    private PipelineRunner _runner = null!;

    public Task InitializeAsync()
    {
        var storageRoot = _temp.Combine("store");
        var storage = TestStorage.Create(storageRoot);
        _backend = new LocalRunBackend(storage, new LocalRunBackendOptions { StateDirectory = _temp.Combine("backend"), StatusPollInterval = TimeSpan.FromMilliseconds(100) });
        _runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = storage,
            WorkDirectory = _temp.Combine("work"),
            Backend = _backend,
            WorkerCommand = new PipelineWorkerCommand("dotnet", [TestChildProcess.ChildDllPath, "pipeline-worker", storageRoot, _temp.Combine("worker")]),
            MaxParallelism = 2,
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Stages_run_in_worker_processes_and_their_outputs_come_back_through_storage()
    {
        var result = await _runner.RunAsync(PipelineWorkerCommands.Graph, new Dictionary<string, object?> { ["seed"] = 21 });

        Assert.True(result.Succeeded, string.Join("; ", result.Stages.Values.Select(s => $"{s.Stage}: {s.Reason}")));
        var text = result.GetOutput<string>("Read");
        Assert.StartsWith("42 from pid ", text, StringComparison.Ordinal);
        Assert.NotEqual(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), text["42 from pid ".Length..]);

        var record = await _runner.GetRunRecordAsync(result.RunId);
        Assert.Equal(LocalRunBackend.BackendName, record.Backend);
        Assert.All(record.Stages, s =>
        {
            Assert.Equal(LocalRunBackend.BackendName, s.Backend);
            Assert.NotNull(s.BackendRunId);
            Assert.Equal(0, s.ExitCode);
        });

        // The cache works the same way: nothing is launched again.
        var again = await _runner.RunAsync(PipelineWorkerCommands.Graph, new Dictionary<string, object?> { ["seed"] = 21 });
        Assert.All(again.Stages.Values, s => Assert.Equal(StageStatus.Cached, s.Status));
    }

    [Fact]
    public async Task A_worker_failure_fails_its_stage_with_the_remote_error_and_skips_nothing_independent()
    {
        var result = await _runner.RunAsync(PipelineWorkerCommands.Graph, new Dictionary<string, object?> { ["seed"] = 60 });

        var check = result.Stages["Check"];
        Assert.Equal(StageStatus.Failed, check.Status);
        var error = Assert.IsType<StageWorkerException>(check.Error);
        Assert.Equal(1, error.ExitCode);
        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteErrorType);
        Assert.Contains("value 120 rejected", check.Reason, StringComparison.Ordinal);
        Assert.Equal("120 from pid", result.GetOutput<string>("Read")[..12]);
        var record = await _runner.GetRunRecordAsync(result.RunId);
        Assert.Equal(1, record.GetStage("Check")!.ExitCode);
    }

    [Fact]
    public async Task A_workers_output_reaches_the_coordinators_logger_marked_with_its_stage_and_its_stack_trace_reaches_the_error()
    {
        var logs = new CapturingLoggerFactory();
        var runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = TestStorage.Create(_temp.Combine("store")),
            WorkDirectory = _temp.Combine("work-logged"),
            Backend = _backend,
            WorkerCommand = new PipelineWorkerCommand("dotnet", [TestChildProcess.ChildDllPath, "pipeline-worker", _temp.Combine("store"), _temp.Combine("worker")]),
            LoggerFactory = logs,
        });

        var result = await runner.RunAsync(PipelineWorkerCommands.Graph, new Dictionary<string, object?> { ["seed"] = 60 });

        // The worker printed its exception to stderr; the coordinator logged those lines under the stage, in order.
        var lines = logs.Lines.Where(l => l.Category.EndsWith(".BackendDemo.Check", StringComparison.Ordinal)).Select(l => l.Message).ToList();
        var first = lines.FindIndex(l => l.Contains("value 120 rejected", StringComparison.Ordinal));
        Assert.True(first >= 0, "No worker line reached the logger: " + string.Join(" | ", logs.Lines.Select(l => l.Message)));
        Assert.StartsWith("[Check] ", lines[first], StringComparison.Ordinal);
        Assert.Contains(lines.Skip(first + 1), l => l.Contains(" at ", StringComparison.Ordinal));

        var error = Assert.IsType<StageWorkerException>(result.Stages["Check"].Error);
        Assert.Contains("value 120 rejected", error.RemoteError, StringComparison.Ordinal);
        Assert.Contains(" at ", error.RemoteError, StringComparison.Ordinal);
        Assert.Contains(error.RemoteError!, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_workers_progress_reaches_the_coordinator_as_events_and_log_lines_and_each_stage_is_seen_placed_starting_running_and_done()
    {
        var logs = new CapturingLoggerFactory();
        var progress = new RecordingProgress();
        var runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = TestStorage.Create(_temp.Combine("store")),
            WorkDirectory = _temp.Combine("work-watched"),
            Backend = _backend,
            WorkerCommand = new PipelineWorkerCommand("dotnet", [TestChildProcess.ChildDllPath, "pipeline-worker", _temp.Combine("store"), _temp.Combine("worker")]),
            LoggerFactory = logs,
            Progress = progress,
        });

        var result = await runner.RunAsync(PipelineWorkerCommands.Graph, new Dictionary<string, object?> { ["seed"] = 5 });

        Assert.True(result.Succeeded);
        var write = progress.Events.Where(e => e.Stage == "Write").ToList();
        Assert.Equal(
            [PipelineEventKind.StageStarted, PipelineEventKind.StagePlaced, PipelineEventKind.StageStarting, PipelineEventKind.StageRunning, PipelineEventKind.StageProgress, PipelineEventKind.StageProgress, PipelineEventKind.StageSucceeded],
            write.Select(e => e.Kind));
        Assert.Equal([0.25, 1.0], write.Where(e => e.Kind == PipelineEventKind.StageProgress).Select(e => e.Progress!.Value));
        var placed = write.Single(e => e.Kind == PipelineEventKind.StagePlaced);
        Assert.Equal((LocalRunBackend.BackendName, 1), (placed.Backend, placed.Attempt));
        var record = await runner.GetRunRecordAsync(result.RunId);
        Assert.Equal(record.GetStage("Write")!.BackendRunId, write.Single(e => e.Kind == PipelineEventKind.StageRunning).BackendRunId);

        // The progress lines travelled through the worker's stdout log but are not printed as log text.
        var lines = logs.Lines.Where(l => l.Category.EndsWith(".BackendDemo.Write", StringComparison.Ordinal)).Select(l => l.Message).ToList();
        Assert.Contains("[Write] progress 0.25", lines);
        Assert.DoesNotContain(lines, l => l.Contains('\u001E', StringComparison.Ordinal) || l.Contains("stagecraft:", StringComparison.Ordinal));

        // The stage's own ILogger entry in the worker arrives as one entry, at its level, with both of its lines.
        var entry = Assert.Single(logs.Lines, l => l.Message.StartsWith("[Write] writing 10", StringComparison.Ordinal));
        Assert.Equal(("Stagecraft.Pipelines.Stages.BackendDemo.Write", Microsoft.Extensions.Logging.LogLevel.Warning), (entry.Category, entry.Level));
        Assert.Equal("[Write] writing 10\nsecond line of the entry", entry.Message);
    }

    [Fact]
    public async Task A_worker_process_given_a_task_in_a_newer_format_version_fails_its_stage_with_the_version_error()
    {
        var storage = TestStorage.Create(_temp.Combine("store"));
        var tampering = new InterceptingRunBackend(_backend, async spec =>
        {
            // The coordinator stored the task; the worker process will find a format version from the future.
            var key = PipelinePaths.StageTask(new Stagecraft.Runs.RunPaths(spec.RunId));
            var bytes = await ReadAllAsync(storage, key);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 3);
            await storage.PutAsync(key, new MemoryStream(bytes));
        });
        var runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = storage,
            WorkDirectory = _temp.Combine("work-future"),
            Backend = tampering,
            WorkerCommand = new PipelineWorkerCommand("dotnet", [TestChildProcess.ChildDllPath, "pipeline-worker", _temp.Combine("store"), _temp.Combine("worker")]),
        });

        var result = await runner.RunAsync(PipelineWorkerCommands.Graph, new Dictionary<string, object?> { ["seed"] = 3 }).WaitAsync(TimeSpan.FromMinutes(3));

        var first = result.Stages["Double"];
        Assert.Equal(StageStatus.Failed, first.Status);
        var error = Assert.IsType<StageWorkerException>(first.Error);
        Assert.Equal((1, typeof(Stagecraft.Snapshots.SnapshotVersionNotSupportedException).FullName), (error.ExitCode, error.RemoteErrorType));
        Assert.Contains("of stage 'Double'", first.Reason, StringComparison.Ordinal);
        Assert.Contains("cannot be read: Snapshot format version 3 is newer than this reader supports", first.Reason, StringComparison.Ordinal);
        Assert.All(["Write", "Read", "Check"], s => Assert.Equal(StageStatus.Skipped, result.Stages[s].Status));
    }

    [Fact]
    public async Task A_worker_whose_process_tree_is_killed_from_outside_is_lost_and_its_stage_runs_again_on_a_new_backend_run()
    {
        using var temp = new TempDirectory("lost-worker");
        var storageRoot = temp.Combine("store");
        var storage = TestStorage.Create(storageRoot);
        var gate = temp.Combine("gate");
        await using var backend = new LocalRunBackend(storage, new LocalRunBackendOptions { StateDirectory = temp.Combine("backend"), StatusPollInterval = TimeSpan.FromMilliseconds(100) });
        var progress = new RecordingProgress();
        var runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = storage,
            WorkDirectory = temp.Combine("work"),
            Backend = backend,
            WorkerCommand = new PipelineWorkerCommand("dotnet", [TestChildProcess.ChildDllPath, "pipeline-hold-worker", storageRoot, temp.Combine("worker")]),
            Progress = progress,
            HandleTerminationSignals = false,
        });
        var run = runner.RunAsync(Holding.Graph, new Dictionary<string, object?> { ["seed"] = 5, ["gate"] = gate });

        // The machine "dies": the run's supervisor and its worker are SIGKILLed, so nobody records an exit code.
        var holder = await WaitForFileAsync(temp.Path, "gate.holding.*");
        // Prepare's supervisor has exited; Hold's is the one still alive.
        var supervisors = Directory.GetFiles(temp.Combine("backend"), "supervisor.pid", SearchOption.AllDirectories)
            .Select(f => int.Parse(File.ReadAllText(f), System.Globalization.CultureInfo.InvariantCulture))
            .Where(IsAlive);
        Kill(Assert.Single(supervisors));
        Kill(int.Parse(holder[(holder.LastIndexOf('.') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        File.Delete(holder);
        await File.WriteAllTextAsync(gate, "open");

        var result = await run;

        Assert.True(result.Succeeded, string.Join("; ", result.Stages.Values.Select(s => $"{s.Stage}: {s.Reason}")));
        Assert.Equal(110, Holding.Outputs.Finish(result).Value);
        var attempts = (await runner.GetRunRecordAsync(result.RunId)).GetStage("Hold")!.Attempts;
        Assert.Equal(2, attempts.Length);
        Assert.Equal((Stagecraft.Runs.RunState.Lost, Stagecraft.Runs.RunInterruption.MachineLost, true), (attempts[0].State, attempts[0].Interruption, attempts[0].Retried));
        Assert.Equal((Stagecraft.Runs.RunState.Succeeded, 0), (attempts[1].State, attempts[1].ExitCode));
        Assert.NotEqual(attempts[0].BackendRunId, attempts[1].BackendRunId);
        var retrying = progress.Events.Single(e => e.Kind == PipelineEventKind.StageRetrying);
        Assert.Equal(("Hold", attempts[0].BackendRunId, 2), (retrying.Stage, retrying.BackendRunId, retrying.Attempt));
    }

    private static async Task<byte[]> ReadAllAsync(Stagecraft.Storage.IObjectStorage storage, string key)
    {
        var read = await storage.GetAsync(key);
        await using (read)
        {
            using var buffer = new MemoryStream();
            await read.Content.CopyToAsync(buffer);
            return buffer.ToArray();
        }
    }

    private static async Task<string> WaitForFileAsync(string directory, string pattern)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            if (Directory.GetFiles(directory, pattern) is [var found])
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No {pattern} in {directory}");
            await Task.Delay(50);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void Kill(int pid)
    {
        using var process = System.Diagnostics.Process.GetProcessById(pid);
        process.Kill();
        process.WaitForExit();
    }

    private sealed class CapturingLoggerFactory : Microsoft.Extensions.Logging.ILoggerFactory
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(string Category, string Message, Microsoft.Extensions.Logging.LogLevel Level)> _lines = new();

        public IReadOnlyList<(string Category, string Message, Microsoft.Extensions.Logging.LogLevel Level)> Lines => [.. _lines];

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<(string, string, Microsoft.Extensions.Logging.LogLevel)> lines) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((category, formatter(state, exception), logLevel));
        }
    }
}
