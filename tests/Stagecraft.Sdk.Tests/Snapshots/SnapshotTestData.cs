using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Stagecraft.Snapshots;

namespace Stagecraft.Sdk.Tests.Snapshots;

/// <summary>Hand-built wire bytes, so tests do not depend on the writer they are checking.</summary>
internal static class SnapshotTestData
{
    public static async Task<StageSnapshot> SampleAsync() => await new StageSnapshotBuilder("train")
        .WithParameter("epochs", "3")
        .WithParameter("learning-rate", "0.05")
        .WithConfiguration("dataset", "iris-v1")
        .WithConfiguration("ünïcode key ✓", "välue ✓")
        .WithFile("labels.txt", "setosa\nversicolor\nvirginica\n"u8)
        .WithFile("weights/init.bin", [0, 1, 2, 255, 254, 0])
        .BuildAsync();

    /// <summary>Magic + version (+ v2 length and CRC) + the given gzip body.</summary>
    public static byte[] Frame(int version, ReadOnlySpan<byte> gzipBody, uint? declaredLength = null, uint? crc = null)
    {
        using var output = new MemoryStream();
        output.Write("SCSN"u8);
        Span<byte> u16 = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(u16, (ushort)version);
        output.Write(u16);
        if (declaredLength is { } length)
        {
            Span<byte> u32 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(u32, length);
            output.Write(u32);
            BinaryPrimitives.WriteUInt32LittleEndian(u32, crc ?? 0);
            output.Write(u32);
        }

        output.Write(gzipBody);
        return output.ToArray();
    }

    public static byte[] Gzip(ReadOnlySpan<byte> payload)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(payload);
        }

        return output.ToArray();
    }

    public static void WriteVarUInt(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }

    public static void WriteString(Stream stream, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteVarUInt(stream, (ulong)bytes.Length);
        stream.Write(bytes);
    }

    /// <summary>A version-1 payload: stage name, parameters, configuration (v1 had no files, length or checksum).</summary>
    public static byte[] V1Payload(string stage, IEnumerable<(string, string)> parameters, IEnumerable<(string, string)> configuration)
    {
        using var payload = new MemoryStream();
        WriteString(payload, stage);
        foreach (var pairs in new[] { parameters.ToList(), configuration.ToList() })
        {
            WriteVarUInt(payload, (ulong)pairs.Count);
            foreach (var (key, value) in pairs)
            {
                WriteString(payload, key);
                WriteString(payload, value);
            }
        }

        return payload.ToArray();
    }
}
