using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Stagecraft.Runs;
using Stagecraft.Snapshots;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// The one wire form of a <see cref="StageTask"/>: a <see cref="StageSnapshot"/> in the snapshot wire format, stored at
/// <see cref="PipelinePaths.StageTask"/>, so a task gets the snapshot's checksum, bounded decompression and version checks.
/// The snapshot's stage name is the stage; its parameters carry the rest of the task:
/// <list type="table">
/// <item><term><c>stagecraft.task.version</c></term><description>the version of this vocabulary (<see cref="TaskVersion"/>)</description></item>
/// <item><term><c>stagecraft.pipeline.name</c></term><description>the pipeline</description></item>
/// <item><term><c>stagecraft.run.id</c></term><description>the pipeline run (not the worker's backend run)</description></item>
/// <item><term><c>stagecraft.stage.code_hash</c></term><description>the coordinator's code hash of the stage</description></item>
/// <item><term><c>stagecraft.stage.fingerprint</c></term><description>the stage's cache fingerprint</description></item>
/// <item><term>any other name</term><description>one stage argument: the stage method's parameter name, valued by its <see cref="StoredValue"/> as JSON</description></item>
/// </list>
/// Names starting with <see cref="ReservedPrefix"/> belong to the task: a C# parameter name cannot contain a dot, so no
/// argument can take one. A reader ignores reserved names it does not know, so a later version may add some. A task has
/// no configuration entries or files (a stage declares none); a reader ignores any it finds.
/// </summary>
internal static class StageTaskSnapshot
{
    /// <summary>The prefix of the task's own parameter names.</summary>
    public const string ReservedPrefix = "stagecraft.";

    /// <summary>Parameter: the version of the task vocabulary, <see cref="TaskVersion"/>.</summary>
    public const string VersionParameter = "stagecraft.task.version";

    /// <summary>Parameter: <see cref="StageTask.Pipeline"/>.</summary>
    public const string PipelineParameter = "stagecraft.pipeline.name";

    /// <summary>Parameter: <see cref="StageTask.PipelineRunId"/>.</summary>
    public const string RunIdParameter = "stagecraft.run.id";

    /// <summary>Parameter: <see cref="StageTask.CodeHash"/>.</summary>
    public const string CodeHashParameter = "stagecraft.stage.code_hash";

    /// <summary>Parameter: <see cref="StageTask.Fingerprint"/>.</summary>
    public const string FingerprintParameter = "stagecraft.stage.fingerprint";

    /// <summary>The content type of a stored task.</summary>
    public const string ContentType = "application/octet-stream";

    /// <summary>The vocabulary this version writes and the newest it reads; a newer task is refused rather than misread.</summary>
    public const int TaskVersion = 1;

    /// <summary>
    /// The limits a task is built and read with. A directory-valued argument lists every one of its files (about 250 bytes
    /// of JSON each), so the text limit is raised from the snapshot default (4 MiB, some 16,000 files) to 64 MiB.
    /// </summary>
    public static SnapshotLimits Limits { get; } = SnapshotLimits.Default with { MaxTextBytes = 64 * 1024 * 1024 };

    /// <summary>How a worker reads a task: <see cref="Limits"/>, decompression capped at 128 MiB (above the text and file limits together).</summary>
    public static SnapshotReaderOptions ReaderOptions { get; } = new()
    {
        Limits = Limits,
        MaxUncompressedBytes = 128L * 1024 * 1024,
        MaxCompressedBytes = RunSpec.MaxSnapshotBytes,
    };

    /// <summary>Stored values as compact JSON, in the naming policy of the runtime's other documents.</summary>
    private static readonly JsonTypeInfo<StoredValue> StoredValueJson =
        (JsonTypeInfo<StoredValue>)new JsonSerializerOptions(PipelineJsonContext.Default.Options) { WriteIndented = false }.GetTypeInfo(typeof(StoredValue));

    /// <summary>Encodes <paramref name="task"/> in the snapshot wire format.</summary>
    /// <exception cref="SnapshotLimitExceededException">The task passes <see cref="Limits"/>.</exception>
    public static async Task<byte[]> ToBytesAsync(StageTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        var builder = new StageSnapshotBuilder(task.Stage, Limits)
            .WithParameter(VersionParameter, TaskVersion.ToString(CultureInfo.InvariantCulture))
            .WithParameter(PipelineParameter, task.Pipeline)
            .WithParameter(RunIdParameter, task.PipelineRunId)
            .WithParameter(CodeHashParameter, task.CodeHash)
            .WithParameter(FingerprintParameter, task.Fingerprint);
        foreach (var argument in task.Arguments)
        {
            if (argument.Parameter.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Stage '{task.Stage}' has an argument named '{argument.Parameter}': names starting with '{ReservedPrefix}' belong to the task.", nameof(task));
            }

            builder.WithParameter(argument.Parameter, JsonSerializer.Serialize(argument.Value, StoredValueJson));
        }

        var snapshot = await builder.BuildAsync(cancellationToken).ConfigureAwait(false);
        return snapshot.ToBytes();
    }

    /// <summary>Decodes a task, enforcing <see cref="ReaderOptions"/> while reading.</summary>
    /// <exception cref="SnapshotFormatException">Not a valid task (<see cref="SnapshotVersionNotSupportedException"/> for a wire format newer than this reader).</exception>
    /// <exception cref="SnapshotLimitExceededException">The task passes a limit.</exception>
    public static StageTask FromBytes(ReadOnlyMemory<byte> bytes)
    {
        var snapshot = StageSnapshot.FromBytes(bytes, ReaderOptions);
        var version = Required(snapshot, VersionParameter);
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            throw new SnapshotFormatException($"The task of stage '{snapshot.StageName}' has task version '{version}': it must be a positive integer.");
        }

        if (number > TaskVersion)
        {
            throw new SnapshotFormatException($"The task of stage '{snapshot.StageName}' has task version {number}, newer than this worker reads ({TaskVersion}): upgrade Stagecraft.Sdk on the worker to match the coordinator.");
        }

        var arguments = ImmutableArray.CreateBuilder<StageTaskArgument>();
        foreach (var (name, json) in snapshot.Parameters)
        {
            if (name.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            StoredValue value;
            try
            {
                value = JsonSerializer.Deserialize(json, StoredValueJson)
                    ?? throw new SnapshotFormatException($"The task of stage '{snapshot.StageName}' has the JSON literal null for argument '{name}'.");
            }
            catch (JsonException ex)
            {
                throw new SnapshotFormatException($"The task of stage '{snapshot.StageName}' has an invalid stored value for argument '{name}': {ex.Message}", ex);
            }

            arguments.Add(new StageTaskArgument(name, value));
        }

        return new StageTask
        {
            Pipeline = Required(snapshot, PipelineParameter),
            PipelineRunId = Required(snapshot, RunIdParameter),
            Stage = snapshot.StageName,
            CodeHash = Required(snapshot, CodeHashParameter),
            Fingerprint = Required(snapshot, FingerprintParameter),
            Arguments = arguments.ToImmutable(),
        };
    }

    /// <summary>Stores <paramref name="task"/> as the task of a backend run (create-only: a run id is never reused).</summary>
    public static async Task WriteAsync(IObjectStorage storage, RunPaths backendRun, StageTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var bytes = await ToBytesAsync(task, cancellationToken).ConfigureAwait(false);
        using var content = new MemoryStream(bytes, writable: false);
        await storage.PutAsync(PipelinePaths.StageTask(backendRun), content, new PutObjectOptions { IfGenerationMatch = 0, ContentType = ContentType }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the task of a backend run, refusing an object larger than <see cref="SnapshotReaderOptions.MaxCompressedBytes"/> before reading it.</summary>
    /// <exception cref="ObjectNotFoundException">The run has no task.</exception>
    /// <exception cref="SnapshotException">The task is corrupt, too large, or of a newer version (see <see cref="FromBytes"/>).</exception>
    public static async Task<StageTask> ReadAsync(IObjectStorage storage, RunPaths backendRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var read = await storage.GetAsync(PipelinePaths.StageTask(backendRun), cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (read.ConfigureAwait(false))
        {
            var max = ReaderOptions.MaxCompressedBytes;
            if (read.Info.Size > max)
            {
                throw new SnapshotLimitExceededException("compressed size", max, read.Info.Size, "A stage task carries stored-value references, never the values themselves.");
            }

            using var buffer = new MemoryStream((int)read.Info.Size);
            await read.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return FromBytes(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
    }

    private static string Required(StageSnapshot snapshot, string name) =>
        snapshot.Parameters.TryGetValue(name, out var value)
            ? value
            : throw new SnapshotFormatException($"The task of stage '{snapshot.StageName}' lacks its parameter '{name}'.");
}
