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

    private sealed class CapturingLoggerFactory : Microsoft.Extensions.Logging.ILoggerFactory
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(string Category, string Message)> _lines = new();

        public IReadOnlyList<(string Category, string Message)> Lines => [.. _lines];

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<(string, string)> lines) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((category, formatter(state, exception)));
        }
    }
}
