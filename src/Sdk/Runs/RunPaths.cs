using Stagecraft.Storage;

namespace Stagecraft.Runs;

/// <summary>
/// The only builder of the <c>runs/{runId}/</c> prefix and of a run backend's keys (logs, exit code, run record, outputs,
/// inputs). Nothing else concatenates <c>runs/</c>
/// (a test enforces it): keys concatenated by hand elsewhere doubled the prefix (<c>runs/runs/</c>) or read exit
/// codes from a stale path. Features keep their own keys of a run in their paths class (<c>PipelinePaths</c>,
/// <c>ReferencePaths</c>), built on <see cref="Root"/>.
/// </summary>
public sealed class RunPaths
{
    /// <summary>The top-level prefix under which every run lives.</summary>
    public const string RootPrefix = "runs/";

    public RunPaths(string runId) => RunId = Runs.RunId.Validate(runId);

    public string RunId { get; }

    /// <summary><c>runs/{runId}/</c></summary>
    public string Root => RootPrefix + RunId + "/";

    /// <summary><c>runs/{runId}/logs/</c></summary>
    public string LogsPrefix => Root + "logs/";

    /// <summary>
    /// Numbered log chunks (<c>runs/{runId}/logs/stdout/000000000042</c>): every backend stores a run's logs as
    /// append-only chunk objects (<see cref="Logs.RunLogShipper"/>, <see cref="Logs.RunLogReader"/>), because an object
    /// can only be replaced whole (rewriting a growing log costs its size on every update, and a Cloud Storage object can
    /// be rewritten only about once per second). Zero-padded so lexicographic listing order is chunk order.
    /// </summary>
    public string LogChunk(LogStream stream, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return LogChunkPrefix(stream) + index.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary><c>runs/{runId}/logs/{stdout|stderr}/</c></summary>
    public string LogChunkPrefix(LogStream stream) => LogsPrefix + (stream == LogStream.Stdout ? "stdout/" : "stderr/");

    /// <summary><c>runs/{runId}/exit_code</c>: written once when the run's process ends; the source of truth for status.</summary>
    public string ExitCode => Root + "exit_code";

    /// <summary><c>runs/{runId}/run.json</c>: the launched spec and handle, for O(1) recovery by id.</summary>
    public string RunRecord => Root + "run.json";

    /// <summary><c>runs/{runId}/outputs/</c></summary>
    public string OutputsPrefix => Root + "outputs/";

    /// <summary><c>runs/{runId}/outputs/{relativePath}</c></summary>
    public string Output(string relativePath) => ObjectKey.Join(OutputsPrefix, relativePath);

    /// <summary><c>runs/{runId}/inputs/</c></summary>
    public string InputsPrefix => Root + "inputs/";

    public override string ToString() => Root;
}
