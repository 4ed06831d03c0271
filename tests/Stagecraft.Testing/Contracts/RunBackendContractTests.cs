using System.Globalization;
using System.Text;
using Stagecraft.Runs;
using Stagecraft.Runs.Logs;
using Stagecraft.Storage;

namespace Stagecraft.Testing.Contracts;

/// <summary>
/// The behaviour every <see cref="IRunBackend"/> must have. Derive once per backend and supply storage and a backend;
/// the suite talks only to <see cref="IRunBackend"/> and <see cref="IObjectStorage"/> (no local files, no process table),
/// so a Compute Engine backend runs it unchanged against loopback fakes. Commands are POSIX shell scripts run with
/// <c>/bin/sh -c</c>; override <see cref="ShellSpec"/> if a backend needs another way to run them.
/// </summary>
/// <remarks>
/// Waits are bounded by <see cref="Generous"/> plus the backend's own <see cref="BackendCapabilities"/>; nothing
/// synchronises on sleeps in the test. Backends should be built with a short termination grace period (about a second).
/// </remarks>
public abstract class RunBackendContractTests : IAsyncLifetime
{
    private readonly List<IRunBackend> _backends = [];
    private RecordingStorage? _storage;

    /// <summary>Storage shared by every backend instance of one test (restart recovery creates a second backend over it).</summary>
    protected IObjectStorage Storage => _storage ?? throw new InvalidOperationException("InitializeAsync has not run.");

    /// <summary>The backend of the test.</summary>
    protected IRunBackend Backend { get; private set; } = null!;

    /// <summary>An upper bound for anything the test waits for, generous for a loaded machine.</summary>
    protected virtual TimeSpan Generous => TimeSpan.FromSeconds(90);

    /// <summary>A run timeout short enough for a test and long enough for the backend to start the command.</summary>
    protected virtual TimeSpan ShortRunTimeout => TimeSpan.FromSeconds(2);

    /// <summary>Creates the storage for one test.</summary>
    protected abstract IObjectStorage CreateStorage();

    /// <summary>Creates a backend instance over <paramref name="storage"/>; called again to simulate a restart.</summary>
    protected abstract IRunBackend CreateBackend(IObjectStorage storage);

    /// <summary>A spec that runs <paramref name="script"/> with <c>/bin/sh -c</c>; extra arguments become <c>$1</c>, <c>$2</c>, ...</summary>
    protected virtual RunSpec ShellSpec(string runId, string script, params string[] arguments) =>
        new(runId, "/bin/sh", ["-c", script, "sh", .. arguments]);

    /// <summary>
    /// Whether a process the run started is still alive, if the backend's processes are observable from the test
    /// (null = not observable; the tree-kill checks are then skipped).
    /// </summary>
    protected virtual Task<bool?> IsProcessAliveAsync(int pid) => Task.FromResult<bool?>(null);

    /// <summary>Stops a run the test left running on purpose (the exit-code-wins test).</summary>
    protected virtual Task ForceStopAsync(RunHandle handle) => Task.CompletedTask;

    public virtual Task InitializeAsync()
    {
        _storage = new RecordingStorage(CreateStorage());
        Backend = NewBackend();
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var backend in _backends)
        {
            if (backend is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }

        if (_storage?.Wrapped is IAsyncDisposable s)
        {
            await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_successful_run_reports_succeeded_with_its_logs_and_exit_code_object()
    {
        var handle = await Backend.LaunchAsync(ShellSpec(NewRunId(), "echo hello; echo 'second line'; echo oops >&2; exit 0"));

        var status = await WaitAsync(handle);

        Assert.Equal(RunState.Succeeded, status.State);
        Assert.Equal(0, status.ExitCode);
        Assert.Equal(["hello", "second line"], await ReadLinesAsync(handle, LogStream.Stdout));
        Assert.Equal(["oops"], await ReadLinesAsync(handle, LogStream.Stderr));
        var exit = await ReadObjectAsync(handle.Paths.ExitCode);
        Assert.Equal(new RunExitRecord(0), RunExitRecord.Parse(exit));
        Assert.Equal("hello\nsecond line\n", await ReadStoredLogAsync(handle, LogStream.Stdout));
    }

    [Theory]
    [InlineData("exit 3", RunState.Failed, 3)]
    [InlineData("exit 0", RunState.Succeeded, 0)]
    [InlineData("kill -9 $$", RunState.Failed, 137)]
    [InlineData("exec /nonexistent-stagecraft-binary", RunState.Failed, 127)]
    public async Task Exit_codes_map_to_states(string script, RunState state, int exitCode)
    {
        var handle = await Backend.LaunchAsync(ShellSpec(NewRunId(), script));

        var status = await WaitAsync(handle);

        Assert.Equal(state, status.State);
        Assert.Equal(exitCode, status.ExitCode);
        Assert.Equal(status, new RunExitRecord(exitCode).ToStatus());
    }

    [Fact]
    public async Task Arguments_and_environment_reach_the_command_verbatim()
    {
        // Seed: a startup script interpolated unquoted values into shell text. Values here must arrive byte for byte.
        var hostile = "a b; $(echo injected) `echo x` 'q' \"d\" \\ $HOME";
        var spec = new RunSpec(NewRunId(), "/bin/sh", ["-c", "printf '%s\\n' \"$1\" \"$HOSTILE\" \"$STAGECRAFT_RUN_ID\" \"$STAGECRAFT_OUTPUT_PREFIX\"", "sh", hostile])
        {
            Environment = new Dictionary<string, string> { ["HOSTILE"] = hostile },
        };
        var handle = await Backend.LaunchAsync(spec);

        Assert.Equal(RunState.Succeeded, (await WaitAsync(handle)).State);
        Assert.Equal([hostile, hostile, spec.RunId, spec.EffectiveOutputPrefix], await ReadLinesAsync(handle, LogStream.Stdout));
    }

    [Fact]
    public async Task Follow_streams_lines_while_the_run_is_running_and_ends_when_it_ends()
    {
        var handle = await Backend.LaunchAsync(ShellSpec(NewRunId(), "echo first; echo second; while :; do sleep 0.2; done"));
        using var cts = new CancellationTokenSource(Generous);
        var received = new List<string>();
        RunStatus? statusAtSecondLine = null;
        Task<RunStatus>? terminate = null;

        await foreach (var line in Backend.StreamLogsAsync(handle, LogStream.Stdout, follow: true, cts.Token))
        {
            received.Add(line);
            if (line == "second")
            {
                // The run cannot end by itself: seeing this line proves it was streamed while running.
                statusAtSecondLine = await Backend.GetStatusAsync(handle);
                terminate = Backend.TerminateAsync(handle, cts.Token);
            }
        }

        Assert.Equal(["first", "second"], received);
        Assert.False(statusAtSecondLine!.IsTerminal);
        Assert.Equal(RunState.Terminated, (await terminate!).State);
    }

    [Fact]
    public async Task Terminate_kills_the_whole_process_tree_even_when_it_ignores_SIGTERM()
    {
        var script = "sleep 300 & echo \"child $!\"; sh -c 'trap \"\" TERM; sleep 300 & echo \"child $!\"; echo \"child $$\"; wait' & wait";
        var handle = await Backend.LaunchAsync(ShellSpec(NewRunId(), "trap '' TERM; " + script));
        var pids = await WaitForChildPidsAsync(handle, count: 3);

        var status = await Backend.TerminateAsync(handle);

        Assert.Equal(RunState.Terminated, status.State);
        Assert.Equal(RunExitReason.Terminated, RunExitRecord.Parse(await ReadObjectAsync(handle.Paths.ExitCode)).Reason);
        Assert.Equal(status, await Backend.GetStatusAsync(handle));
        foreach (var pid in pids)
        {
            Assert.NotEqual(true, await IsProcessAliveAsync(pid));
        }
    }

    [Fact]
    public async Task Terminate_is_idempotent_and_leaves_a_finished_run_alone()
    {
        var handle = await Backend.LaunchAsync(ShellSpec(NewRunId(), "exit 4"));
        var finished = await WaitAsync(handle);

        Assert.Equal(finished, await Backend.TerminateAsync(handle));
        Assert.Equal(finished, await Backend.TerminateAsync(handle));
        Assert.Equal(RunExitReason.Exited, RunExitRecord.Parse(await ReadObjectAsync(handle.Paths.ExitCode)).Reason);
    }

    [Fact]
    public async Task A_run_past_its_timeout_is_stopped_and_fails_as_timed_out()
    {
        var spec = ShellSpec(NewRunId(), "echo started; while :; do sleep 0.1; done");
        var handle = await Backend.LaunchAsync(new RunSpec(spec.RunId, spec.Command, spec.Arguments) { Timeout = ShortRunTimeout });

        var status = await WaitAsync(handle);

        Assert.Equal(RunState.Failed, status.State);
        Assert.Contains("Timed out", status.Message, StringComparison.Ordinal);
        Assert.Equal(RunExitReason.TimedOut, RunExitRecord.Parse(await ReadObjectAsync(handle.Paths.ExitCode)).Reason);
        Assert.Equal(["started"], await ReadLinesAsync(handle, LogStream.Stdout));
    }

    [Fact]
    public async Task A_new_backend_instance_recovers_a_running_run()
    {
        var handle = await Backend.LaunchAsync(ShellSpec(NewRunId(), "echo before-restart; while :; do sleep 0.1; done"));
        await WaitForLineAsync(Backend, handle, "before-restart");
        await DisposeBackendAsync(Backend);

        var restarted = NewBackend();
        var roundTripped = RunHandle.FromJson(handle.ToJson()); // as a new process would read it back

        Assert.Equal(RunState.Running, (await restarted.GetStatusAsync(roundTripped)).State);
        await WaitForLineAsync(restarted, roundTripped, "before-restart");
        Assert.Equal(RunState.Terminated, (await restarted.TerminateAsync(roundTripped)).State);
        Assert.Equal(RunState.Terminated, (await restarted.GetStatusAsync(roundTripped)).State);
    }

    [Fact]
    public async Task A_new_backend_instance_recovers_a_run_that_finished_while_nobody_watched()
    {
        var handle = await Backend.LaunchAsync(ShellSpec(NewRunId(), "echo done-while-away; exit 5"));
        await DisposeBackendAsync(Backend); // possibly before the run ended or its exit code was published

        var restarted = NewBackend();
        var status = await WaitAsync(handle, restarted);

        Assert.Equal((RunState.Failed, 5), (status.State, status.ExitCode));
        Assert.Equal(["done-while-away"], await ReadLinesAsync(handle, LogStream.Stdout, restarted));
        Assert.Equal(new RunExitRecord(5), RunExitRecord.Parse(await ReadObjectAsync(handle.Paths.ExitCode)));
    }

    [Fact]
    public async Task Consecutive_runs_write_to_their_own_paths()
    {
        // Seed 001: the second job on a reused machine wrote logs and exit code to the first job's paths.
        var first = await Backend.LaunchAsync(ShellSpec(NewRunId(), "echo \"I am $STAGECRAFT_RUN_ID\"; exit 7"));
        var firstStatus = await WaitAsync(first);
        var second = await Backend.LaunchAsync(ShellSpec(NewRunId(), "echo \"I am $STAGECRAFT_RUN_ID\"; exit 0"));
        var secondStatus = await WaitAsync(second);

        Assert.Equal((RunState.Failed, 7), (firstStatus.State, firstStatus.ExitCode));
        Assert.Equal((RunState.Succeeded, 0), (secondStatus.State, secondStatus.ExitCode));
        Assert.Equal([$"I am {first.RunId}"], await ReadLinesAsync(first, LogStream.Stdout));
        Assert.Equal([$"I am {second.RunId}"], await ReadLinesAsync(second, LogStream.Stdout));
        Assert.Equal(new RunExitRecord(7), RunExitRecord.Parse(await ReadObjectAsync(first.Paths.ExitCode)));
        Assert.Equal(new RunExitRecord(0), RunExitRecord.Parse(await ReadObjectAsync(second.Paths.ExitCode)));
        Assert.Empty(await ListAsync("runs/runs/")); // and no doubled prefix anywhere
    }

    [Fact]
    public async Task Status_comes_from_the_exit_code_object_even_while_the_machine_is_still_up()
    {
        // Seed 001: a reused VM stays RUNNING after its job, so status polled from the machine never ended.
        var handle = await Backend.LaunchAsync(ShellSpec(NewRunId(), "echo up; while :; do sleep 0.1; done"));
        try
        {
            await WaitForLineAsync(Backend, handle, "up");
            using var content = new MemoryStream(Encoding.ASCII.GetBytes(new RunExitRecord(0).Format()));
            await Storage.PutAsync(handle.Paths.ExitCode, content, new PutObjectOptions { IfGenerationMatch = 0 });

            var status = await Backend.GetStatusAsync(handle);

            Assert.Equal((RunState.Succeeded, 0), (status.State, status.ExitCode));
        }
        finally
        {
            await ForceStopAsync(handle);
        }
    }

    [Fact]
    public async Task Launching_and_looking_up_a_run_never_list_other_runs()
    {
        // Seed 001: status polling scanned every running instance (O(n)), and a later change brought the scan back
        // into launch. Launch and lookup by handle must touch only the run's own paths, whatever else exists.
        var other = await Backend.LaunchAsync(ShellSpec(NewRunId(), "echo other"));
        _storage!.ListedPrefixes.Clear();
        var handles = new List<RunHandle>();
        for (var i = 0; i < 3; i++)
        {
            handles.Add(await Backend.LaunchAsync(ShellSpec(NewRunId(), $"echo run-{i}")));
        }

        foreach (var handle in handles)
        {
            await WaitAsync(handle);
            await ReadLinesAsync(handle, LogStream.Stdout);
            await ReadLinesAsync(handle, LogStream.Stderr);
        }

        var tooWide = _storage.ListedPrefixes.Where(p => !handles.Any(h => p.StartsWith(h.Paths.Root, StringComparison.Ordinal))).ToList();
        Assert.True(tooWide.Count == 0, "Listed outside a run's own prefix: " + string.Join(", ", tooWide));
        await WaitAsync(other);
    }

    [Fact]
    public async Task Invalid_requests_fail_with_typed_errors()
    {
        var runId = NewRunId();
        var handle = await Backend.LaunchAsync(ShellSpec(runId, "exit 0"));
        await WaitAsync(handle);

        // Run ids are never reused (a reused id would share paths with the earlier run).
        await Assert.ThrowsAsync<RunAlreadyExistsException>(() => Backend.LaunchAsync(ShellSpec(runId, "exit 0")));

        // A handle for a launch that never happened, or for another launch of the id.
        await Assert.ThrowsAsync<RunNotFoundException>(() => Backend.GetStatusAsync(new RunHandle(handle.Backend, NewRunId(), RunHandle.NewLaunchId(), handle.Properties)));
        await Assert.ThrowsAsync<RunNotFoundException>(() => Backend.GetStatusAsync(new RunHandle(handle.Backend, runId, RunHandle.NewLaunchId(), handle.Properties)));

        // A tampered handle never reaches the backend.
        var tampered = handle.ToJson().Replace(runId, "../../etc", StringComparison.Ordinal);
        Assert.Equal("runId", Assert.Throws<InvalidRunHandleException>(() => RunHandle.FromJson(tampered)).Field);

        if (!Backend.Capabilities.SupportsContainerImages)
        {
            var ex = await Assert.ThrowsAsync<InvalidRunSpecException>(() => Backend.LaunchAsync(new RunSpec(NewRunId(), "true") { Image = "busybox:1" }));
            Assert.Equal("Image", ex.Field);
        }
    }

    [Fact]
    public void Capabilities_describe_the_backend()
    {
        var c = Backend.Capabilities;
        Assert.False(string.IsNullOrEmpty(c.Name));
        Assert.True(c.StatusPollInterval > TimeSpan.Zero);
        Assert.True(c.LogLatency > TimeSpan.Zero);
        Assert.True(c.TerminationGracePeriod >= TimeSpan.Zero);
        Assert.True(c.RecoversRunsAfterRestart);
    }

    /// <summary>A fresh run id (a DNS label) for this test.</summary>
    protected static string NewRunId() => "ct-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Creates another backend instance over the same storage.</summary>
    protected IRunBackend NewBackend()
    {
        var backend = CreateBackend(Storage);
        _backends.Add(backend);
        return backend;
    }

    /// <summary>Waits for a terminal status, failing with the last status after a generous bound.</summary>
    protected async Task<RunStatus> WaitAsync(RunHandle handle, IRunBackend? backend = null)
    {
        backend ??= Backend;
        using var cts = new CancellationTokenSource(Generous + backend.Capabilities.ExpectedLaunchDelay);
        try
        {
            return await backend.WaitForCompletionAsync(handle, cancellationToken: cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Run {handle} did not finish; last status: {await backend.GetStatusAsync(handle)}");
        }
    }

    /// <summary>A stream's stored bytes as text, read through the one log protocol (numbered chunks), not the backend.</summary>
    protected async Task<string> ReadStoredLogAsync(RunHandle handle, LogStream stream)
    {
        var text = new StringBuilder();
        await foreach (var chunk in new RunLogReader(Storage).ReadChunksAsync(handle.Paths, stream))
        {
            text.Append(Encoding.UTF8.GetString(chunk.Span));
        }

        return text.ToString();
    }

    /// <summary>All lines of a stream, without following.</summary>
    protected async Task<List<string>> ReadLinesAsync(RunHandle handle, LogStream stream, IRunBackend? backend = null)
    {
        var lines = new List<string>();
        await foreach (var line in (backend ?? Backend).StreamLogsAsync(handle, stream, follow: false))
        {
            lines.Add(line);
        }

        return lines;
    }

    private async Task WaitForLineAsync(IRunBackend backend, RunHandle handle, string expected)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (!(await ReadLinesAsync(handle, LogStream.Stdout, backend)).Contains(expected))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{expected}' never appeared in the stdout of {handle}; status {await backend.GetStatusAsync(handle)}.");
            }

            await Task.Delay(backend.Capabilities.StatusPollInterval);
        }
    }

    private async Task<List<int>> WaitForChildPidsAsync(RunHandle handle, int count)
    {
        using var cts = new CancellationTokenSource(Generous);
        var pids = new List<int>();
        await foreach (var line in Backend.StreamLogsAsync(handle, LogStream.Stdout, follow: true, cts.Token))
        {
            if (line.StartsWith("child ", StringComparison.Ordinal))
            {
                pids.Add(int.Parse(line["child ".Length..], CultureInfo.InvariantCulture));
                if (pids.Count == count)
                {
                    return pids;
                }
            }
        }

        throw new InvalidOperationException($"The run ended after printing {pids.Count} of {count} child pids.");
    }

    private async Task DisposeBackendAsync(IRunBackend backend)
    {
        if (backend is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    private async Task<string> ReadObjectAsync(string key)
    {
        await using var read = await Storage.GetAsync(key);
        using var reader = new StreamReader(read.Content, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private async Task<List<string>> ListAsync(string prefix)
    {
        var keys = new List<string>();
        await foreach (var entry in Storage.ListAsync(prefix))
        {
            keys.Add(entry.Object?.Key ?? entry.Prefix ?? string.Empty);
        }

        return keys;
    }

    /// <summary>Passes everything through and remembers which prefixes were listed.</summary>
    private sealed class RecordingStorage(IObjectStorage inner) : ObjectStorageDecorator(inner)
    {
        public IObjectStorage Wrapped => Inner;

        public System.Collections.Concurrent.ConcurrentQueue<string> ListedPrefixes { get; } = new();

        public override IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, CancellationToken cancellationToken = default)
        {
            ListedPrefixes.Enqueue(prefix);
            return base.ListAsync(prefix, options, cancellationToken);
        }
    }
}
