using System.Globalization;
using System.Text;
using Stagecraft.Local.Processes;
using Stagecraft.Local.Runs;
using Stagecraft.Local.Storage;
using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Runs;

/// <summary>LocalRunBackend behaviour beyond the shared contract: supervisor loss, local state loss, environment, publishing races.</summary>
public sealed class LocalRunBackendTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _dir = new("local-runs");
    private readonly LocalObjectStorage _storage;
    private readonly List<LocalRunBackend> _backends = [];

    public LocalRunBackendTests() => _storage = new LocalObjectStorage(_dir.Combine("storage"));

    private string StateDirectory => _dir.Combine("state");

    private LocalRunBackend NewBackend(Func<LocalRunBackendOptions, LocalRunBackendOptions>? configure = null)
    {
        var options = LocalRunBackendContractTests.Options(StateDirectory);
        var backend = new LocalRunBackend(_storage, configure is null ? options : configure(options));
        _backends.Add(backend);
        return backend;
    }

    private static RunSpec Shell(string script) => new("lr-" + Guid.NewGuid().ToString("N")[..12], "/bin/sh", ["-c", script]);

    private LocalRunDirectory DirectoryOf(RunHandle handle) => new(Path.GetFullPath(StateDirectory), handle);

    private static async Task<RunStatus> WaitAsync(IRunBackend backend, RunHandle handle)
    {
        using var cts = new CancellationTokenSource(Generous);
        return await backend.WaitForCompletionAsync(handle, cancellationToken: cts.Token);
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}; last value: {value}");
            }

            await Task.Delay(25);
        }
    }

    private static int ReadPidFile(LocalRunDirectory dir, string name) =>
        int.Parse(File.ReadAllText(Path.Combine(dir.Path, name)).Trim(), CultureInfo.InvariantCulture);

    private async Task<string?> ReadObjectAsync(string key)
    {
        try
        {
            await using var read = await _storage.GetAsync(key);
            using var reader = new StreamReader(read.Content, Encoding.UTF8);
            return await reader.ReadToEndAsync();
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    [Fact]
    public async Task Logs_are_shipped_to_storage_while_the_run_is_still_running()
    {
        var backend = NewBackend();
        var handle = await backend.LaunchAsync(Shell("echo tick; while :; do sleep 0.1; done"));

        await EventuallyAsync(() => ReadObjectAsync(handle.Paths.LogChunk(LogStream.Stdout, 0)), s => s == "tick\n", "stdout never reached storage");
        Assert.Equal(RunState.Running, (await backend.GetStatusAsync(handle)).State);
        Assert.Null(await _storage.StatAsync(handle.Paths.ExitCode));

        await backend.TerminateAsync(handle);
    }

    [Fact]
    public async Task The_command_runs_in_its_own_session_apart_from_its_supervisor_and_this_process()
    {
        var backend = NewBackend();
        var handle = await backend.LaunchAsync(Shell("while :; do sleep 0.1; done"));
        var dir = DirectoryOf(handle);
        var supervisor = ProcFs.ReadStat(ReadPidFile(dir, "supervisor.pid"))!.Value;
        var command = ProcFs.ReadStat(ReadPidFile(dir, "command.pid"))!.Value;
        var self = ProcFs.ReadStat(Environment.ProcessId)!.Value;

        Assert.Equal(supervisor.Pid, supervisor.SessionId);   // setsid'd away from this process's session
        Assert.Equal(command.Pid, command.SessionId);         // and the command from the supervisor's
        Assert.Equal(command.Pid, command.ProcessGroupId);
        Assert.Equal(supervisor.Pid, command.ParentPid);
        Assert.NotEqual(self.SessionId, supervisor.SessionId);

        await backend.TerminateAsync(handle);
        await EventuallyAsync(() => Task.FromResult(ProcFs.ReadStat(supervisor.Pid) is null or { HasExited: true }), exited => exited, "the supervisor did not exit after recording the exit code");
    }

    [Fact]
    public async Task A_killed_supervisor_leaves_a_terminable_run_and_then_a_terminated_one()
    {
        var backend = NewBackend();
        var handle = await backend.LaunchAsync(Shell("sleep 300 & echo \"child $!\"; while :; do sleep 0.1; done"));
        var dir = DirectoryOf(handle);
        var child = int.Parse((await EventuallyAsync(() => Task.FromResult(File.Exists(dir.Stdout) ? File.ReadAllText(dir.Stdout) : ""), s => s.Contains('\n', StringComparison.Ordinal), "no child pid"))["child ".Length..].Trim(), CultureInfo.InvariantCulture);
        await EventuallyAsync(() => Task.FromResult(dir.CommandProcess("/usr/bin/setsid")), c => c is not null, "command identity never recorded");

        ProcessSignals.Send(ReadPidFile(dir, "supervisor.pid"), PosixSignal.Kill);

        var orphaned = await EventuallyAsync(() => backend.GetStatusAsync(handle), s => s.Message?.Contains("supervisor is gone", StringComparison.Ordinal) == true, "status never noticed the supervisor died");
        Assert.Equal(RunState.Running, orphaned.State);

        var terminated = await backend.TerminateAsync(handle);

        Assert.Equal(RunState.Terminated, terminated.State);
        Assert.Equal(RunExitReason.Terminated, RunExitRecord.Parse((await ReadObjectAsync(handle.Paths.ExitCode))!).Reason);
        await EventuallyAsync(() => Task.FromResult(ProcFs.ReadStat(child) is null or { HasExited: true }), dead => dead, "the command's child survived");
    }

    [Fact]
    public async Task A_run_whose_supervisor_and_command_both_died_is_lost()
    {
        var backend = NewBackend();
        var handle = await backend.LaunchAsync(Shell("while :; do sleep 0.1; done"));
        var dir = DirectoryOf(handle);
        var command = (await EventuallyAsync(() => Task.FromResult(dir.CommandProcess("/usr/bin/setsid")), c => c is not null, "no command"))!;

        ProcessSignals.Send(ReadPidFile(dir, "supervisor.pid"), PosixSignal.Kill);
        await new LinuxProcessTable().KillTreeAsync(command, new HashSet<int>(), TimeSpan.Zero);

        var status = await EventuallyAsync(() => backend.GetStatusAsync(handle), s => s.IsTerminal, "never lost");
        Assert.Equal(RunState.Lost, status.State);
        Assert.Null(status.ExitCode);
        Assert.Equal(RunState.Lost, (await backend.TerminateAsync(handle)).State); // terminal: left alone
    }

    [Fact]
    public async Task After_the_run_directory_is_gone_status_and_logs_come_from_storage()
    {
        var backend = NewBackend();
        var handle = await backend.LaunchAsync(Shell("echo kept; echo also-kept >&2; exit 6"));
        await WaitAsync(backend, handle);
        await backend.DisposeAsync();
        Directory.Delete(DirectoryOf(handle).Path, recursive: true);

        var fresh = NewBackend();
        var status = await fresh.GetStatusAsync(handle);
        var stdout = new List<string>();
        await foreach (var line in fresh.StreamLogsAsync(handle, LogStream.Stdout, follow: true))
        {
            stdout.Add(line);
        }

        Assert.Equal((RunState.Failed, 6), (status.State, status.ExitCode));
        Assert.Equal(["kept"], stdout);
    }

    [Fact]
    public async Task The_exit_code_object_is_written_once_however_many_instances_publish()
    {
        var first = NewBackend();
        var second = NewBackend();
        var handle = await first.LaunchAsync(Shell("exit 2"));
        await EventuallyAsync(() => Task.FromResult(DirectoryOf(handle).ReadExit()), e => e is not null, "no exit");

        var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? first : second).GetStatusAsync(handle)));
        var generation = (await _storage.StatAsync(handle.Paths.ExitCode))!.Generation;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => second.GetStatusAsync(handle)));

        Assert.All(statuses, s => Assert.Equal((RunState.Failed, 2), (s.State, s.ExitCode)));
        Assert.Equal(generation, (await _storage.StatAsync(handle.Paths.ExitCode))!.Generation);
    }

    [Fact]
    public async Task A_timeout_kills_even_a_command_that_ignores_SIGTERM()
    {
        var backend = NewBackend();
        var spec = Shell("trap '' TERM; echo stubborn; while :; do sleep 0.1; done");
        var handle = await backend.LaunchAsync(new RunSpec(spec.RunId, spec.Command, spec.Arguments) { Timeout = TimeSpan.FromSeconds(1) });

        var status = await WaitAsync(backend, handle);

        Assert.Equal(RunState.Failed, status.State);
        Assert.Equal(137, status.ExitCode); // TERM was ignored; KILL after the grace period
        Assert.Contains("Timed out", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Environment_working_directory_and_snapshot_reach_the_command()
    {
        var backend = NewBackend(o => o with { InheritEnvironment = false });
        var work = _dir.Combine("work here");
        var snapshot = new byte[] { 0, 1, 2, 250, 255 };
        var spec = new RunSpec("lr-" + Guid.NewGuid().ToString("N")[..12], "/bin/sh", ["-c", "pwd; printf '%s|%s|%s|%s\\n' \"$MY_VAR\" \"${HOME-unset}\" \"$STAGECRAFT_INPUT_PREFIX\" \"$STAGECRAFT_RESOURCE_PROFILE\"; od -An -tu1 -v \"$STAGECRAFT_SNAPSHOT_PATH\""])
        {
            WorkingDirectory = work,
            Environment = new Dictionary<string, string> { ["MY_VAR"] = "v" },
            InputPrefix = "datasets/d1/",
            Snapshot = snapshot,
        };

        var handle = await backend.LaunchAsync(spec);
        Assert.Equal(RunState.Succeeded, (await WaitAsync(backend, handle)).State);

        var lines = new List<string>();
        await foreach (var line in backend.StreamLogsAsync(handle, LogStream.Stdout))
        {
            lines.Add(line.Trim());
        }

        Assert.Equal(work, lines[0]);
        Assert.Equal("v|unset|datasets/d1/|local", lines[1]);
        Assert.Equal(["0", "1", "2", "250", "255"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Terminating_before_the_command_was_seen_still_ends_the_run()
    {
        var backend = NewBackend();
        var handle = await backend.LaunchAsync(Shell("exec sleep 300"));
        var command = ReadPidFile(DirectoryOf(handle), "command.pid");

        var status = await backend.TerminateAsync(handle);

        Assert.Equal(RunState.Terminated, status.State);
        await EventuallyAsync(() => Task.FromResult(ProcFs.ReadStat(command) is null or { HasExited: true }), dead => dead, "the exec'd command survived");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }

        _dir.Dispose();
    }
}
