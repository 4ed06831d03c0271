using Stagecraft.Local.Runs;
using Stagecraft.Local.Storage;
using Stagecraft.Runs;
using Stagecraft.Snapshots;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Snapshots;

/// <summary>
/// Workers in a shared-nothing cluster must not depend on configuration that lives only on the coordinator's
/// disk. Here the coordinator snapshots its configuration, deletes its configuration directory, and the stage still runs
/// on the local backend from the snapshot alone.
/// </summary>
public sealed class SnapshotWorkerEndToEndTests : IAsyncDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _dir = new("snapshot-e2e");
    private readonly LocalRunBackend _backend;

    public SnapshotWorkerEndToEndTests() =>
        _backend = new LocalRunBackend(new LocalObjectStorage(_dir.Combine("storage")), new LocalRunBackendOptions
        {
            StateDirectory = _dir.Combine("state"),
            LogShipInterval = TimeSpan.FromMilliseconds(100),
            StatusPollInterval = TimeSpan.FromMilliseconds(50),
            TerminationGracePeriod = TimeSpan.FromSeconds(1),
        });

    [Fact]
    public async Task Stage_runs_on_the_local_backend_from_the_snapshot_alone_after_the_config_directory_is_deleted()
    {
        var configDirectory = _dir.Combine("coordinator-config");
        _dir.WriteFile("coordinator-config/labels.txt", "reject\naccept\n");
        _dir.WriteFile("coordinator-config/weights.txt", "0.5\n0.25\n");
        var coordinatorConfig = new MemoryConfigurationStore([KeyValuePair.Create("min-score", "1.0")]);

        var snapshot = await new StageSnapshotBuilder("score")
            .WithParameter("input", "1.5,2")
            .WithConfiguration(coordinatorConfig)
            .WithDirectory("config", configDirectory)
            .BuildAsync();
        Directory.Delete(configDirectory, recursive: true);
        Assert.False(Directory.Exists(configDirectory));

        var (status, stdout, stderr) = await RunWorkerAsync(snapshot.ToBytes());

        Assert.True(status.State == RunState.Succeeded, $"{status}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("stage=score score=1.25 label=accept", stdout, StringComparison.Ordinal);
        Assert.Contains("read-only=yes", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_without_a_snapshot_fails_with_a_clear_message()
    {
        var (status, _, stderr) = await RunWorkerAsync(snapshot: null);
        Assert.Equal(RunState.Failed, status.State);
        Assert.Equal(SnapshotWorker.SnapshotErrorExitCode, status.ExitCode);
        Assert.Contains(RunEnvironmentVariables.SnapshotPath, stderr, StringComparison.Ordinal);
        Assert.Contains("launched without a snapshot", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_given_a_corrupt_snapshot_fails_with_the_typed_reason()
    {
        var bytes = (await new StageSnapshotBuilder("score").WithParameter("input", "1").BuildAsync()).ToBytes();
        bytes[^5] ^= 0xFF; // inside the gzip trailer / payload
        var (status, _, stderr) = await RunWorkerAsync(bytes);
        Assert.Equal(SnapshotWorker.SnapshotErrorExitCode, status.ExitCode);
        Assert.Contains("snapshot", stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Worker_given_a_snapshot_for_an_unknown_stage_names_it()
    {
        var bytes = (await new StageSnapshotBuilder("train-giant-model").BuildAsync()).ToBytes();
        var (status, _, stderr) = await RunWorkerAsync(bytes);
        Assert.Equal(SnapshotWorker.SnapshotErrorExitCode, status.ExitCode);
        Assert.Contains("'train-giant-model'", stderr, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _backend.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<(RunStatus Status, string Stdout, string Stderr)> RunWorkerAsync(byte[]? snapshot)
    {
        var spec = new RunSpec("snap-" + Guid.NewGuid().ToString("N")[..12], "dotnet", [TestChildProcess.ChildDllPath, "snapshot-worker"]);
        if (snapshot is not null)
        {
            // Assigned only when present: a null byte[] converts to an empty (not absent) ReadOnlyMemory.
            spec = new RunSpec(spec.RunId, spec.Command, spec.Arguments) { Snapshot = snapshot };
        }

        var handle = await _backend.LaunchAsync(spec);
        using var cts = new CancellationTokenSource(Generous);
        var status = await _backend.WaitForCompletionAsync(handle, cancellationToken: cts.Token);
        return (status, await ReadAsync(handle, LogStream.Stdout), await ReadAsync(handle, LogStream.Stderr));
    }

    private async Task<string> ReadAsync(RunHandle handle, LogStream stream)
    {
        var lines = new List<string>();
        await foreach (var line in _backend.StreamLogsAsync(handle, stream))
        {
            lines.Add(line);
        }

        return string.Join('\n', lines);
    }
}
