using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Stagecraft.Signals;

/// <summary>
/// A NumPy <c>.npy</c> file holding a float64 array (format version 1.0 written; 1.0, 2.0 and 3.0 read; little- or
/// big-endian <c>f8</c>, C order), so stage outputs can be opened with <c>numpy.load</c>.
/// </summary>
public sealed partial class NpySignal : Signal
{
    internal const string KindName = "npy";

    // The first byte is 0x93 itself, not the UTF-8 encoding of U+0093.
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <param name="path">The file's path (made absolute).</param>
    public NpySignal(string path)
        : base(path)
    {
    }

    /// <inheritdoc/>
    public override string Kind => KindName;

    /// <summary>Writes <paramref name="array"/> to <paramref name="path"/> (creating its directory) and returns the signal.</summary>
    public static async Task<NpySignal> WriteAsync(string path, NpyArray array, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(array);
        var bytes = Encode(array);
        await using (var stream = SignalFiles.Create(path))
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }

        return new NpySignal(path);
    }

    /// <summary>Reads the array.</summary>
    /// <exception cref="InvalidDataException">The file is not a float64 C-order .npy file; the message says which rule failed.</exception>
    public async Task<NpyArray> ReadAsync(CancellationToken cancellationToken = default)
    {
        var bytes = await File.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false);
        return Decode(bytes, Path);
    }

    internal static byte[] Encode(NpyArray array)
    {
        var shape = array.Shape.Length switch
        {
            0 => "()",
            1 => $"({array.Shape[0]},)",
            _ => "(" + string.Join(", ", array.Shape) + ")",
        };
        var dict = $"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}";

        // Version 1.0: magic(6) + version(2) + header length(2) + header, padded with spaces so the data starts on a 64-byte boundary.
        const int Preamble = 10;
        var unpadded = Preamble + dict.Length + 1;
        var header = dict + new string(' ', (64 - (unpadded % 64)) % 64) + "\n";
        var result = new byte[Preamble + header.Length + (array.Data.Length * sizeof(double))];
        Magic.CopyTo(result);
        result[6] = 1;
        result[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), checked((ushort)header.Length));
        Encoding.ASCII.GetBytes(header, result.AsSpan(Preamble));
        var data = result.AsSpan(Preamble + header.Length);
        for (var i = 0; i < array.Data.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(data[(i * sizeof(double))..], array.Data[i]);
        }

        return result;
    }

    internal static NpyArray Decode(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{source}' is not a .npy file (missing the \\x93NUMPY magic).");
        }

        int headerLength;
        int headerStart;
        switch (bytes[6])
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
                headerStart = 10;
                break;
            case 2 or 3 when bytes.Length >= 12:
                headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]));
                headerStart = 12;
                break;
            default:
                throw new InvalidDataException($"'{source}' has .npy format version {bytes[6]}.{bytes[7]}; versions 1.0, 2.0 and 3.0 are supported.");
        }

        if (bytes.Length < headerStart + headerLength)
        {
            throw new InvalidDataException($"'{source}' is truncated inside its .npy header.");
        }

        var header = Encoding.UTF8.GetString(bytes.Slice(headerStart, headerLength));
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shapeMatch.Success)
        {
            throw new InvalidDataException($"'{source}' has a .npy header without 'descr', 'fortran_order' and 'shape': {header.Trim()}");
        }

        var bigEndian = descr.Groups[1].Value switch
        {
            "<f8" => false,
            ">f8" => true,
            var other => throw new InvalidDataException($"'{source}' holds dtype '{other}'; only float64 ('<f8' or '>f8') is supported."),
        };
        if (fortran.Groups[1].Value == "True")
        {
            throw new InvalidDataException($"'{source}' is in Fortran (column-major) order; only C order is supported.");
        }

        var shape = shapeMatch.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new InvalidDataException($"'{source}' has a non-integer dimension '{d}' in its shape."))
            .ToArray();
        long count = 1;
        foreach (var dimension in shape)
        {
            count *= dimension;
        }

        var data = bytes[(headerStart + headerLength)..];
        if (data.Length != count * sizeof(double))
        {
            throw new InvalidDataException($"'{source}' has shape ({string.Join(", ", shape)}) = {count} float64 values, but {data.Length} data bytes (expected {count * sizeof(double)}).");
        }

        var values = new double[count];
        for (var i = 0; i < values.Length; i++)
        {
            var slice = data[(i * sizeof(double))..];
            values[i] = bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(slice) : BinaryPrimitives.ReadDoubleLittleEndian(slice);
        }

        return new NpyArray(values, shape);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
