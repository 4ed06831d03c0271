using System.Buffers.Binary;
using System.Numerics;

namespace Stagecraft.Storage;

/// <summary>
/// Incremental CRC32C (Castagnoli), the checksum Cloud Storage reports as <c>crc32c</c> (base64 of the
/// big-endian value). Uses the hardware instruction through <see cref="BitOperations.Crc32C(uint, ulong)"/>.
/// </summary>
internal sealed class Crc32C
{
    private uint _state = uint.MaxValue;

    public void Append(ReadOnlySpan<byte> data)
    {
        var crc = _state;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        _state = crc;
    }

    /// <summary>The checksum of everything appended so far.</summary>
    public uint Value => ~_state;

    /// <summary>Cloud Storage's encoding: base64 of the 4 big-endian bytes.</summary>
    public string ToBase64()
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, Value);
        return Convert.ToBase64String(bytes);
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = new Crc32C();
        crc.Append(data);
        return crc.Value;
    }
}
