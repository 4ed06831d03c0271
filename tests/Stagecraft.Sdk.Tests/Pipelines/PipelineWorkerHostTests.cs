using Stagecraft.Local.Runs;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using Stagecraft.Storage;
using Stagecraft.Testing;
using Stagecraft.TestChild;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>A backend that ships the code itself starts workers with its own command; the runner's never reaches it.</summary>
public sealed class PipelineWorkerHostTests : IAsyncLifetime
{
    private const string Marker = "STAGECRAFT_TEST_WORKER_HOST";

    private readonly TempDirectory _temp = new("worker-host");
    private IObjectStorage _storage = null!;
    private LocalRunBackend _local = null!;

    public Task InitializeAsync()
    {
        _storage = TestStorage.Create(_temp.Combine("store"));
        _local = new LocalRunBackend(_storage, new LocalRunBackendOptions { StateDirectory = _temp.Combine("backend"), StatusPollInterval = TimeSpan.FromMilliseconds(100) });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _local.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Stages_on_a_worker_host_run_its_command_with_its_environment_not_the_runners_command()
    {
        var host = new ShippingBackend(_local, new PipelineWorkerCommand(
            "dotnet",
            [TestChildProcess.ChildDllPath, "pipeline-worker", _temp.Combine("store"), _temp.Combine("worker")],
            environment: new Dictionary<string, string> { [Marker] = "shipped" }));
        var runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = _storage,
            WorkDirectory = _temp.Combine("work"),
            Backend = host,
            WorkerCommand = new PipelineWorkerCommand("/nonexistent/coordinator-only-program"),
        });

        var result = await runner.RunAsync(PipelineWorkerCommands.Graph, new Dictionary<string, object?> { ["seed"] = 4 });

        Assert.True(result.Succeeded, string.Join("; ", result.Stages.Values.Select(s => $"{s.Stage}: {s.Reason}")));
        Assert.NotEmpty(host.Launched);
        Assert.All(host.Launched, spec =>
        {
            Assert.Equal("dotnet", spec.Command);
            Assert.DoesNotContain("/nonexistent/coordinator-only-program", spec.Arguments);
            Assert.Equal("shipped", spec.Environment[Marker]);
            Assert.Equal("BackendDemo", spec.Environment["STAGECRAFT_PIPELINE"]);
        });
    }

    [Fact]
    public async Task A_worker_host_without_a_command_falls_back_to_the_runners_command()
    {
        var host = new ShippingBackend(_local, command: null);
        var runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = _storage,
            WorkDirectory = _temp.Combine("work"),
            Backend = host,
            WorkerCommand = new PipelineWorkerCommand("dotnet", [TestChildProcess.ChildDllPath, "pipeline-worker", _temp.Combine("store"), _temp.Combine("worker")]),
        });

        var result = await runner.RunAsync(PipelineWorkerCommands.Graph, new Dictionary<string, object?> { ["seed"] = 5 });

        Assert.True(result.Succeeded, string.Join("; ", result.Stages.Values.Select(s => $"{s.Stage}: {s.Reason}")));
        Assert.All(host.Launched, spec => Assert.False(spec.Environment.ContainsKey(Marker)));
    }

    [Fact]
    public void A_worker_environment_name_that_no_process_could_receive_is_refused_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => new PipelineWorkerCommand("./app", environment: new Dictionary<string, string> { ["1BAD-NAME"] = "x" }));

        Assert.Contains("'1BAD-NAME'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A local backend that says how workers start on it, recording every spec it launches.</summary>
    private sealed class ShippingBackend(IRunBackend inner, PipelineWorkerCommand? command) : IPipelineWorkerHost
    {
        private readonly List<RunSpec> _launched = [];

        public PipelineWorkerCommand? WorkerCommand => command;

        public BackendCapabilities Capabilities => inner.Capabilities;

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        public IReadOnlyList<RunSpec> Launched
        {
            get
            {
                lock (_launched)
                {
                    return [.. _launched];
                }
            }
        }

        public Task<RunHandle> LaunchAsync(RunSpec spec, CancellationToken cancellationToken = default)
        {
            lock (_launched)
            {
                _launched.Add(spec);
            }

            return inner.LaunchAsync(spec, cancellationToken);
        }

        public Task<RunStatus> GetStatusAsync(RunHandle handle, CancellationToken cancellationToken = default) => inner.GetStatusAsync(handle, cancellationToken);

        public Task<RunStatus> TerminateAsync(RunHandle handle, CancellationToken cancellationToken = default) => inner.TerminateAsync(handle, cancellationToken);

        public IAsyncEnumerable<string> StreamLogsAsync(RunHandle handle, LogStream stream, bool follow = false, CancellationToken cancellationToken = default) =>
            inner.StreamLogsAsync(handle, stream, follow, cancellationToken);
    }
}
