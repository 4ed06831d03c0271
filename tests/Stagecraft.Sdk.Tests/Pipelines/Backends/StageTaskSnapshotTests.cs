using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Stagecraft.Pipelines;
using Stagecraft.Snapshots;

namespace Stagecraft.Sdk.Tests.Pipelines.Backends;

/// <summary>
/// A worker's stage task travels as a snapshot: the SCSN wire format, the task's fields under reserved
/// <c>stagecraft.*</c> parameter names, each argument as its stored value's JSON, and every failure to read one is the
/// snapshot's typed exception.
/// </summary>
public sealed class StageTaskSnapshotTests
{
    [Fact]
    public async Task A_task_is_a_snapshot_of_its_stage_with_reserved_fields_and_one_parameter_per_argument()
    {
        var task = NewTask("Train", ("data", Value(3)), ("labels", Value(1)));

        var bytes = await StageTaskSnapshot.ToBytesAsync(task);

        Assert.Equal("SCSN"u8.ToArray(), bytes[..4]);
        var snapshot = StageSnapshot.FromBytes(bytes);
        Assert.Equal("Train", snapshot.StageName);
        Assert.Equal(
            ["data", "labels", "stagecraft.pipeline.name", "stagecraft.run.id", "stagecraft.stage.code_hash", "stagecraft.stage.fingerprint", "stagecraft.task.version"],
            snapshot.Parameters.Keys);
        Assert.Equal(("Exams", "run-1", "code-1", "fp-1", "1"), (snapshot.Parameters["stagecraft.pipeline.name"], snapshot.Parameters["stagecraft.run.id"], snapshot.Parameters["stagecraft.stage.code_hash"], snapshot.Parameters["stagecraft.stage.fingerprint"], snapshot.Parameters["stagecraft.task.version"]));
        using var data = JsonDocument.Parse(snapshot.Parameters["data"]);
        Assert.Equal("directory", data.RootElement.GetProperty("format").GetString());
        Assert.Equal(3, data.RootElement.GetProperty("objects").GetArrayLength());
        Assert.Empty(snapshot.Configuration);
        Assert.Empty(snapshot.FileNames);
    }

    [Fact]
    public async Task A_task_reads_back_as_it_was_written()
    {
        var task = NewTask("Train", ("data", Value(3)), ("labels", Value(0)));

        var read = StageTaskSnapshot.FromBytes(await StageTaskSnapshot.ToBytesAsync(task));

        Assert.Equal((task.Pipeline, task.PipelineRunId, task.Stage, task.CodeHash, task.Fingerprint), (read.Pipeline, read.PipelineRunId, read.Stage, read.CodeHash, read.Fingerprint));
        Assert.Equal(Describe(task), Describe(read));
    }

    [Fact]
    public async Task A_directory_argument_of_thirty_thousand_files_fits_a_task()
    {
        // Past the snapshot's default text limit (4 MiB): a task's limits are its own.
        var task = NewTask("Train", ("images", Value(30_000)));
        var bytes = await StageTaskSnapshot.ToBytesAsync(task);

        Assert.Throws<SnapshotLimitExceededException>(() => StageSnapshot.FromBytes(bytes));
        Assert.Equal(30_000, StageTaskSnapshot.FromBytes(bytes).Arguments.Single().Value.Objects.Length);
    }

    [Fact]
    public async Task A_corrupt_task_is_a_snapshot_format_error()
    {
        var bytes = await StageTaskSnapshot.ToBytesAsync(NewTask("Train", ("data", Value(2))));
        bytes[^12] ^= 0x40; // inside the compressed payload

        Assert.ThrowsAny<SnapshotException>(() => StageTaskSnapshot.FromBytes(bytes));
        Assert.ThrowsAny<SnapshotFormatException>(() => StageTaskSnapshot.FromBytes("{\"pipeline\":\"Exams\"}"u8.ToArray()));
    }

    [Fact]
    public async Task A_task_in_a_newer_wire_format_is_refused_with_its_version()
    {
        var bytes = await StageTaskSnapshot.ToBytesAsync(NewTask("Train"));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 3);

        var error = Assert.Throws<SnapshotVersionNotSupportedException>(() => StageTaskSnapshot.FromBytes(bytes));
        Assert.Equal(3, error.Version);
    }

    [Fact]
    public async Task A_task_declaring_more_than_the_decompression_cap_is_refused_before_decompressing()
    {
        var bytes = await StageTaskSnapshot.ToBytesAsync(NewTask("Train"));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(6), (uint)(StageTaskSnapshot.ReaderOptions.MaxUncompressedBytes + 1));

        var error = Assert.Throws<SnapshotLimitExceededException>(() => StageTaskSnapshot.FromBytes(bytes));
        Assert.Equal(StageTaskSnapshot.ReaderOptions.MaxUncompressedBytes, error.Limit);
    }

    [Fact]
    public async Task A_task_of_a_newer_vocabulary_or_without_a_field_is_refused_naming_the_stage()
    {
        var newer = await Build("Train", p => p[StageTaskSnapshot.VersionParameter] = (StageTaskSnapshot.TaskVersion + 1).ToString(CultureInfo.InvariantCulture));
        var error = Assert.ThrowsAny<SnapshotFormatException>(() => StageTaskSnapshot.FromBytes(newer));
        Assert.Contains("'Train'", error.Message, StringComparison.Ordinal);
        Assert.Contains("newer than this worker reads", error.Message, StringComparison.Ordinal);

        var missing = await Build("Train", p => p.Remove(StageTaskSnapshot.CodeHashParameter));
        error = Assert.ThrowsAny<SnapshotFormatException>(() => StageTaskSnapshot.FromBytes(missing));
        Assert.Contains("'stagecraft.stage.code_hash'", error.Message, StringComparison.Ordinal);

        var badValue = await Build("Train", p => p["data"] = "{\"format\":");
        error = Assert.ThrowsAny<SnapshotFormatException>(() => StageTaskSnapshot.FromBytes(badValue));
        Assert.Contains("argument 'data'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reserved_names_unknown_to_this_version_are_ignored()
    {
        var later = await Build("Train", p => p["stagecraft.task.priority"] = "high");

        Assert.Equal("Train", StageTaskSnapshot.FromBytes(later).Stage);
        Assert.Empty(StageTaskSnapshot.FromBytes(later).Arguments);
    }

    [Fact]
    public async Task An_argument_may_not_take_a_reserved_name()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => StageTaskSnapshot.ToBytesAsync(NewTask("Train", ("stagecraft.run.id", Value(1)))));
        Assert.Contains("'stagecraft.run.id'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A task's snapshot with its parameters edited, as a coordinator of another version might write it.</summary>
    private static async Task<byte[]> Build(string stage, Action<Dictionary<string, string>> edit)
    {
        var parameters = new Dictionary<string, string>(StageSnapshot.FromBytes(await StageTaskSnapshot.ToBytesAsync(NewTask(stage))).Parameters, StringComparer.Ordinal);
        edit(parameters);
        var builder = new StageSnapshotBuilder(stage);
        foreach (var (name, value) in parameters)
        {
            builder.WithParameter(name, value);
        }

        return (await builder.BuildAsync()).ToBytes();
    }

    private static StageTask NewTask(string stage, params (string Name, StoredValue Value)[] arguments) => new()
    {
        Pipeline = "Exams",
        PipelineRunId = "run-1",
        Stage = stage,
        CodeHash = "code-1",
        Fingerprint = "fp-1",
        Arguments = [.. arguments.Select(a => new StageTaskArgument(a.Name, a.Value))],
    };

    private static StoredValue Value(int objects) => new()
    {
        Format = objects == 1 ? StoredValue.JsonFormat : "directory",
        Type = "Stagecraft.Signals.DirectorySignal",
        Fingerprint = new string('f', 64),
        RootPath = "inputs/images",
        Objects = [.. Enumerable.Range(0, objects).Select(i => new StoredObject(
            PipelinePaths.Content(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)))),
            string.Create(CultureInfo.InvariantCulture, $"inputs/images/class-{i % 10}/image-{i:D6}.png"),
            1000 + i,
            1_700_000_000_000_000 + i,
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(-i)))))],
    };

    private static string Describe(StageTask task) => string.Join(
        "\n",
        task.Arguments.OrderBy(a => a.Parameter, StringComparer.Ordinal).Select(a =>
            $"{a.Parameter}: {a.Value.Format} {a.Value.Type} {a.Value.Fingerprint} {a.Value.RootPath} [{string.Join(", ", a.Value.Objects)}]"));
}
