using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using Stagecraft.Storage;

namespace Stagecraft.Snapshots;

/// <summary>
/// The snapshot wire format. A header, then a gzip-compressed payload:
/// <code>
/// offset size  v1  v2
///      0    4  magic "SCSN" (53 43 53 4E)
///      4    2  format version, little-endian (1 or 2)
///      6    4  —   uncompressed payload length, little-endian
///     10    4  —   CRC32C of the uncompressed payload, little-endian
///   6/14    …  gzip member holding the payload
/// </code>
/// Payload (strings are a LEB128 byte count + UTF-8; counts are LEB128):
/// <code>
/// stage name
/// parameter count,      then (name, value) pairs, ordinal order
/// configuration count,  then (key, value) pairs, ordinal order
/// v2 only: file count,  then (name, LEB128 length, bytes), ordinal order
/// </code>
/// Writers always write <see cref="CurrentVersion"/>; readers accept <see cref="MinimumReadableVersion"/> to
/// <see cref="CurrentVersion"/> (so a worker one release behind or ahead of its coordinator still works) and reject
/// anything newer with <see cref="SnapshotVersionNotSupportedException"/>.
/// </summary>
internal static class SnapshotWireFormat
{
    /// <summary>The version this library writes.</summary>
    public const int CurrentVersion = 2;

    /// <summary>The oldest version this library reads.</summary>
    public const int MinimumReadableVersion = 1;

    private const int CommonHeaderSize = 6;
    private const int V2HeaderSize = 14;
    private const int GzipTrailerSize = 8;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The four bytes every snapshot starts with: <c>SCSN</c>.</summary>
    public static ReadOnlySpan<byte> Magic => "SCSN"u8;

    /// <summary>Encodes <paramref name="snapshot"/> in the current version.</summary>
    public static byte[] Write(StageSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        using var payload = new MemoryStream();
        WriteString(payload, snapshot.StageName);
        WritePairs(payload, snapshot.Parameters);
        WritePairs(payload, snapshot.Configuration);
        WriteVarUInt(payload, (ulong)snapshot.FileNames.Count);
        foreach (var name in snapshot.FileNames)
        {
            var content = snapshot.FilesWithoutCopy[name];
            WriteString(payload, name);
            WriteVarUInt(payload, (ulong)content.Length);
            payload.Write(content);
        }

        if (payload.Length > uint.MaxValue)
        {
            throw new SnapshotLimitExceededException("uncompressed size", uint.MaxValue, payload.Length, "A snapshot payload must fit the 32-bit length field.");
        }

        var body = payload.GetBuffer().AsSpan(0, (int)payload.Length);
        using var output = new MemoryStream();
        Span<byte> header = stackalloc byte[V2HeaderSize];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], CurrentVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[6..], (uint)body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[10..], Crc32C.Compute(body));
        output.Write(header);
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(body);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Decodes a snapshot. The uncompressed size is capped while decompressing (<see cref="SnapshotReaderOptions.MaxUncompressedBytes"/>)
    /// and every declared length is checked against the limits before anything is allocated for it.
    /// </summary>
    /// <exception cref="SnapshotFormatException">Not a valid snapshot; <see cref="SnapshotVersionNotSupportedException"/> for unknown versions.</exception>
    /// <exception cref="SnapshotLimitExceededException">A limit was passed.</exception>
    public static StageSnapshot Read(ReadOnlyMemory<byte> bytes, SnapshotReaderOptions? options = null)
    {
        options ??= SnapshotReaderOptions.Default;
        if (bytes.Length > options.MaxCompressedBytes)
        {
            throw new SnapshotLimitExceededException("compressed size", options.MaxCompressedBytes, bytes.Length, $"Raise {nameof(SnapshotReaderOptions)}.{nameof(SnapshotReaderOptions.MaxCompressedBytes)}.");
        }

        var span = bytes.Span;
        if (span.Length < CommonHeaderSize)
        {
            throw new SnapshotFormatException($"Not a snapshot: {span.Length} bytes is shorter than the {CommonHeaderSize}-byte header.");
        }

        if (!span[..4].SequenceEqual(Magic))
        {
            throw new SnapshotFormatException($"Not a snapshot: it starts with {Convert.ToHexString(span[..4])}, not the magic {Convert.ToHexString(Magic)} ('SCSN').");
        }

        int version = BinaryPrimitives.ReadUInt16LittleEndian(span[4..]);
        if (version is < MinimumReadableVersion or > CurrentVersion)
        {
            throw new SnapshotVersionNotSupportedException(version);
        }

        var headerSize = version >= 2 ? V2HeaderSize : CommonHeaderSize;
        if (span.Length < headerSize)
        {
            throw new SnapshotFormatException($"Truncated snapshot: {span.Length} bytes is shorter than the version-{version} header of {headerSize} bytes.");
        }

        long limit = options.MaxUncompressedBytes;
        uint? declaredCrc = null;
        Func<long, long, Exception> overLimit = (cap, actual) => new SnapshotLimitExceededException(
            "uncompressed size", cap, actual, $"Decompression stopped at the cap; raise {nameof(SnapshotReaderOptions)}.{nameof(SnapshotReaderOptions.MaxUncompressedBytes)} if the snapshot is genuine.");
        if (version >= 2)
        {
            var declared = BinaryPrimitives.ReadUInt32LittleEndian(span[6..]);
            declaredCrc = BinaryPrimitives.ReadUInt32LittleEndian(span[10..]);
            if (declared > options.MaxUncompressedBytes)
            {
                throw new SnapshotLimitExceededException("uncompressed size", options.MaxUncompressedBytes, declared, $"The header declares it; raise {nameof(SnapshotReaderOptions)}.{nameof(SnapshotReaderOptions.MaxUncompressedBytes)} if the snapshot is genuine.");
            }

            limit = declared;
            overLimit = (cap, _) => new SnapshotFormatException($"Corrupt snapshot: the payload runs past the {cap} bytes its header declares.");
        }

        var compressed = AsArraySegment(bytes[headerSize..]);
        using var gzip = new GZipStream(new MemoryStream(compressed.Array!, compressed.Offset, compressed.Count, writable: false), CompressionMode.Decompress);
        var bounded = new BoundedReadStream(gzip, limit, overLimit);
        try
        {
            var snapshot = new PayloadReader(bounded, options.Limits, version).ReadSnapshot();
            if (version >= 2 && bounded.Remaining != 0)
            {
                throw new SnapshotFormatException($"Corrupt snapshot: the payload ended after {bounded.Consumed} bytes but its header declares {bounded.Limit}.");
            }

            if (!bounded.AtEnd())
            {
                throw new SnapshotFormatException($"Corrupt snapshot: data follows the payload's end at byte {bounded.Consumed}.");
            }

            // A gzip member ends with ISIZE (the payload length mod 2^32). GZipStream tolerates a missing trailer, so a
            // snapshot cut inside it would otherwise pass: check it ourselves.
            if (compressed.Count < GzipTrailerSize
                || BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Count - 4)) != (uint)bounded.Consumed)
            {
                throw new SnapshotFormatException($"Truncated snapshot: the compressed payload's trailer is missing or does not match its {bounded.Consumed} bytes.");
            }

            if (declaredCrc is { } crc && crc != bounded.Crc32C)
            {
                throw new SnapshotFormatException($"Corrupt snapshot: payload checksum {bounded.Crc32C:X8} does not match the header's {crc:X8}.");
            }

            return snapshot;
        }
        catch (InvalidDataException ex)
        {
            throw new SnapshotFormatException($"Corrupt snapshot: the compressed payload is invalid ({ex.Message}).", ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new SnapshotFormatException($"Truncated snapshot: the payload ends early, after {bounded.Consumed} bytes.", ex);
        }
        catch (DecoderFallbackException ex)
        {
            throw new SnapshotFormatException("Corrupt snapshot: a name or value is not valid UTF-8.", ex);
        }
        catch (IOException ex)
        {
            throw new SnapshotFormatException($"Corrupt snapshot: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a snapshot file, refusing files over <see cref="SnapshotReaderOptions.MaxCompressedBytes"/> before reading them.</summary>
    public static async Task<StageSnapshot> ReadFileAsync(string path, SnapshotReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= SnapshotReaderOptions.Default;
        var length = new FileInfo(path).Length;
        if (length > options.MaxCompressedBytes)
        {
            throw new SnapshotLimitExceededException("compressed size", options.MaxCompressedBytes, length, $"Raise {nameof(SnapshotReaderOptions)}.{nameof(SnapshotReaderOptions.MaxCompressedBytes)}.");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return Read(bytes, options);
    }

    private static ArraySegment<byte> AsArraySegment(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) ? segment : new ArraySegment<byte>(memory.ToArray());

    private static void WritePairs(Stream stream, IReadOnlyDictionary<string, string> pairs)
    {
        WriteVarUInt(stream, (ulong)pairs.Count);
        foreach (var (key, value) in pairs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            WriteString(stream, key);
            WriteString(stream, value);
        }
    }

    private static void WriteString(Stream stream, string value)
    {
        var bytes = StrictUtf8.GetBytes(value);
        WriteVarUInt(stream, (ulong)bytes.Length);
        stream.Write(bytes);
    }

    private static void WriteVarUInt(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }

    /// <summary>Parses a payload from the bounded stream, checking each declared length before allocating for it.</summary>
    private sealed class PayloadReader(BoundedReadStream source, SnapshotLimits limits, int version)
    {
        private long _textBytes;

        public StageSnapshot ReadSnapshot()
        {
            var stageName = ReadString("stage name");
            Check(SnapshotRules.CheckName(stageName), "stage name", stageName);
            var parameters = ReadPairs("parameter", limits.MaxEntries);
            var configuration = ReadPairs("configuration key", limits.MaxEntries - parameters.Count);
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            if (version >= 2)
            {
                var count = ReadCount("file", limits.MaxFiles);
                long total = 0;
                for (var i = 0; i < count; i++)
                {
                    var name = ReadString("file name");
                    Check(SnapshotRules.CheckFileName(name), "file name", name);
                    var length = ReadVarUInt();
                    SnapshotRules.CheckFileSize(limits, name, length > long.MaxValue ? long.MaxValue : (long)length);
                    total += (long)length;
                    SnapshotRules.CheckTotalFileSize(limits, total);
                    source.EnsureCanRead((long)length);
                    var content = new byte[(int)length];
                    source.ReadExactlyBounded(content);
                    if (!files.TryAdd(name, content))
                    {
                        throw new SnapshotFormatException($"Corrupt snapshot: file '{name}' appears twice.");
                    }
                }
            }

            return new StageSnapshot(stageName, parameters, configuration, files, version);
        }

        private Dictionary<string, string> ReadPairs(string kind, int max)
        {
            var count = ReadCount(kind, max);
            var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var key = ReadString(kind + " name");
                Check(SnapshotRules.CheckName(key), kind + " name", key);
                var value = ReadString(kind + " value");
                if (!pairs.TryAdd(key, value))
                {
                    throw new SnapshotFormatException($"Corrupt snapshot: {kind} '{key}' appears twice.");
                }
            }

            return pairs;
        }

        private int ReadCount(string kind, int max)
        {
            var count = ReadVarUInt();
            if (count > (ulong)Math.Max(max, 0))
            {
                throw new SnapshotLimitExceededException($"{kind} count", max, count > long.MaxValue ? long.MaxValue : (long)count, "The snapshot declares more entries than the limits allow.");
            }

            return (int)count;
        }

        private string ReadString(string what)
        {
            var length = ReadVarUInt();
            var clamped = length > int.MaxValue ? long.MaxValue : (long)length;
            if (clamped > limits.MaxTextBytes - _textBytes)
            {
                throw new SnapshotLimitExceededException("text size", limits.MaxTextBytes, _textBytes + clamped, $"Reading the {what}; raise {nameof(SnapshotLimits)}.{nameof(SnapshotLimits.MaxTextBytes)} if the snapshot is genuine.");
            }

            source.EnsureCanRead(clamped);
            _textBytes += clamped;
            var rented = ArrayPool<byte>.Shared.Rent((int)clamped);
            try
            {
                var buffer = rented.AsSpan(0, (int)clamped);
                source.ReadExactlyBounded(buffer);
                return StrictUtf8.GetString(buffer);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        private ulong ReadVarUInt()
        {
            ulong result = 0;
            Span<byte> one = stackalloc byte[1];
            for (var shift = 0; shift < 64; shift += 7)
            {
                source.ReadExactlyBounded(one);
                result |= (ulong)(one[0] & 0x7F) << shift;
                if ((one[0] & 0x80) == 0)
                {
                    return result;
                }
            }

            throw new SnapshotFormatException("Corrupt snapshot: a length field is longer than 10 bytes.");
        }

        private static void Check(string? rule, string what, string value)
        {
            if (rule is not null)
            {
                var shown = value.Length > 200 ? value[..200] + "…" : value;
                throw new SnapshotFormatException($"Corrupt snapshot: invalid {what} '{shown}': {rule}.");
            }
        }
    }
}
