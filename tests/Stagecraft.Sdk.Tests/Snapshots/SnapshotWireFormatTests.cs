using System.Buffers.Binary;
using System.Text;
using Stagecraft.Snapshots;
using Stagecraft.Storage;
using static Stagecraft.Sdk.Tests.Snapshots.SnapshotTestData;

namespace Stagecraft.Sdk.Tests.Snapshots;

public class SnapshotWireFormatTests
{
    [Fact]
    public async Task Round_trip_preserves_stage_parameters_configuration_and_files()
    {
        var original = await SampleAsync();
        var read = StageSnapshot.FromBytes(original.ToBytes());

        Assert.Equal("train", read.StageName);
        Assert.Equal(original.Parameters, read.Parameters);
        Assert.Equal(original.Configuration, read.Configuration);
        Assert.Equal(["labels.txt", "weights/init.bin"], read.FileNames);
        Assert.Equal(original.GetFile("weights/init.bin"), read.GetFile("weights/init.bin"));
        Assert.Equal("setosa\nversicolor\nvirginica\n", Encoding.UTF8.GetString(read.GetFile("labels.txt")));
        Assert.Equal(SnapshotWireFormat.CurrentVersion, read.FormatVersion);
    }

    [Fact]
    public async Task Header_is_magic_version_length_and_checksum()
    {
        var bytes = (await SampleAsync()).ToBytes();
        Assert.Equal("SCSN"u8.ToArray(), bytes[..4]);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(0x1f, bytes[14]); // gzip magic follows the 14-byte header
        Assert.Equal(0x8b, bytes[15]);
    }

    [Fact]
    public async Task Encoding_is_deterministic()
    {
        var a = (await SampleAsync()).ToBytes();
        var b = (await SampleAsync()).ToBytes();
        Assert.Equal(a, b);
    }

    [Fact]
    public void Previous_version_1_built_by_hand_is_still_readable()
    {
        var payload = V1Payload("score", [("threshold", "0.5")], [("dataset", "iris-v0"), ("region", "eu")]);
        var bytes = Frame(1, Gzip(payload));

        var read = StageSnapshot.FromBytes(bytes);

        Assert.Equal(1, read.FormatVersion);
        Assert.Equal("score", read.StageName);
        Assert.Equal("0.5", read.Parameters["threshold"]);
        Assert.Equal("iris-v0", read.Configuration["dataset"]);
        Assert.Equal("eu", read.Configuration["region"]);
        Assert.Empty(read.FileNames);

        // Re-encoding writes the current version.
        Assert.Equal(SnapshotWireFormat.CurrentVersion, StageSnapshot.FromBytes(read.ToBytes()).FormatVersion);
    }

    [Fact]
    public void Version_1_with_trailing_data_or_truncation_is_a_format_error()
    {
        var payload = V1Payload("score", [], []);
        Assert.Throws<SnapshotFormatException>(() => StageSnapshot.FromBytes(Frame(1, Gzip([.. payload, 0]))));
        Assert.Throws<SnapshotFormatException>(() => StageSnapshot.FromBytes(Frame(1, Gzip(payload[..^1]))));
    }

    [Fact]
    public async Task Unknown_future_version_is_rejected_clearly()
    {
        var bytes = (await SampleAsync()).ToBytes();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 3);

        var ex = Assert.Throws<SnapshotVersionNotSupportedException>(() => StageSnapshot.FromBytes(bytes));
        Assert.Equal(3, ex.Version);
        Assert.Contains("version 3 is newer than this reader supports (1–2)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_zero_and_wrong_magic_are_format_errors()
    {
        var bytes = (await SampleAsync()).ToBytes();
        var v0 = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(v0.AsSpan(4), 0);
        Assert.Contains("ever wrote", Assert.Throws<SnapshotVersionNotSupportedException>(() => StageSnapshot.FromBytes(v0)).Message, StringComparison.Ordinal);

        var notOurs = (byte[])bytes.Clone();
        notOurs[0] = (byte)'X';
        Assert.Contains("magic", Assert.Throws<SnapshotFormatException>(() => StageSnapshot.FromBytes(notOurs)).Message, StringComparison.Ordinal);
        Assert.Throws<SnapshotFormatException>(() => StageSnapshot.FromBytes(Array.Empty<byte>()));
    }

    [Fact]
    public async Task Checksum_mismatch_is_detected()
    {
        var bytes = (await SampleAsync()).ToBytes();
        bytes[10] ^= 0x01; // flip a bit of the stored CRC32C
        Assert.Contains("checksum", Assert.Throws<SnapshotFormatException>(() => StageSnapshot.FromBytes(bytes)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_and_invalid_names_in_the_payload_are_format_errors()
    {
        var duplicate = V1Payload("s", [("a", "1"), ("a", "2")], []);
        Assert.Contains("twice", Assert.Throws<SnapshotFormatException>(() => StageSnapshot.FromBytes(Frame(1, Gzip(duplicate)))).Message, StringComparison.Ordinal);

        using var payload = new MemoryStream();
        payload.Write(V1Payload("s", [], []));
        WriteVarUInt(payload, 1);
        WriteString(payload, "../escape");
        WriteVarUInt(payload, 0);
        var body = payload.ToArray();
        var ex = Assert.Throws<SnapshotFormatException>(() => StageSnapshot.FromBytes(Frame(2, Gzip(body), (uint)body.Length, Crc32C.Compute(body))));
        Assert.Contains("'../escape'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_files_are_rejected_by_the_reader_limits()
    {
        var bytes = (await new StageSnapshotBuilder("s").WithFile("big.bin", new byte[2048]).BuildAsync()).ToBytes();
        var ex = Assert.Throws<SnapshotLimitExceededException>(() => StageSnapshot.FromBytes(bytes, new SnapshotReaderOptions { Limits = new SnapshotLimits { MaxFileBytes = 1024 } }));
        Assert.Equal("file size of 'big.bin'", ex.LimitName);
        Assert.Equal(1024, ex.Limit);
    }

    [Fact]
    public async Task Compressed_size_is_capped_before_decompressing()
    {
        var bytes = (await SampleAsync()).ToBytes();
        var ex = Assert.Throws<SnapshotLimitExceededException>(() => StageSnapshot.FromBytes(bytes, new SnapshotReaderOptions { MaxCompressedBytes = 10 }));
        Assert.Equal("compressed size", ex.LimitName);
    }
}
