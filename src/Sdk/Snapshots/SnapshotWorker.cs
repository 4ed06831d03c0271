using Stagecraft.Runs;

namespace Stagecraft.Snapshots;

/// <summary>
/// The worker-side entry point: a run launched with <see cref="RunSpec.Snapshot"/> finds it through
/// <see cref="RunEnvironmentVariables.SnapshotPath"/>, hydrates read-only stores from it and runs the named stage —
/// without reading anything from the coordinator's disk.
/// </summary>
/// <example>
/// <code>
/// // The worker's Program.cs
/// return await SnapshotWorker.RunAsync(new Dictionary&lt;string, Func&lt;HydratedStage, CancellationToken, Task&lt;int&gt;&gt;&gt;
/// {
///     ["train"] = TrainAsync,
/// });
/// </code>
/// </example>
public static class SnapshotWorker
{
    /// <summary>Exit code when the process has no snapshot, a corrupt one, or one for a stage it does not know.</summary>
    public const int SnapshotErrorExitCode = 78; // EX_CONFIG

    /// <summary>Hydrates the stage from the snapshot file named by <see cref="RunEnvironmentVariables.SnapshotPath"/>.</summary>
    /// <exception cref="SnapshotException">No snapshot path is set, or the snapshot is invalid.</exception>
    public static async Task<HydratedStage> HydrateFromEnvironmentAsync(SnapshotReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        var path = Environment.GetEnvironmentVariable(RunEnvironmentVariables.SnapshotPath);
        if (string.IsNullOrEmpty(path))
        {
            throw new SnapshotException($"This run was launched without a snapshot: {RunEnvironmentVariables.SnapshotPath} is not set. Launch it with RunSpec.Snapshot.");
        }

        if (!File.Exists(path))
        {
            throw new SnapshotException($"The snapshot file '{path}' named by {RunEnvironmentVariables.SnapshotPath} does not exist.");
        }

        if (new FileInfo(path).Length == 0)
        {
            throw new SnapshotException($"The snapshot file '{path}' named by {RunEnvironmentVariables.SnapshotPath} is empty: this run was launched without a snapshot. Launch it with RunSpec.Snapshot.");
        }

        return new HydratedStage(await SnapshotWireFormat.ReadFileAsync(path, options, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Hydrates a stage from snapshot bytes.</summary>
    public static HydratedStage Hydrate(ReadOnlyMemory<byte> snapshot, SnapshotReaderOptions? options = null) =>
        new(SnapshotWireFormat.Read(snapshot, options));

    /// <summary>
    /// Hydrates from the environment and runs the stage the snapshot names. Returns the stage's exit code, or
    /// <see cref="SnapshotErrorExitCode"/> (with the reason on standard error) when there is no usable snapshot or the
    /// stage is unknown.
    /// </summary>
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, Func<HydratedStage, CancellationToken, Task<int>>> stages, SnapshotReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stages);
        HydratedStage stage;
        try
        {
            stage = await HydrateFromEnvironmentAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (SnapshotException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return SnapshotErrorExitCode;
        }

        if (!stages.TryGetValue(stage.StageName, out var run))
        {
            await Console.Error.WriteLineAsync($"The snapshot is for stage '{stage.StageName}', which this worker does not have (it has: {string.Join(", ", stages.Keys.Order(StringComparer.Ordinal))}).").ConfigureAwait(false);
            return SnapshotErrorExitCode;
        }

        return await run(stage, cancellationToken).ConfigureAwait(false);
    }
}
