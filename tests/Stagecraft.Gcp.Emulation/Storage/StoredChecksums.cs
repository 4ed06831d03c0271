using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>
/// The checksums the fake reports and verifies, in Cloud Storage's encoding (base64 of big-endian CRC32C, base64
/// MD5). Computed here, bit by bit from the Castagnoli polynomial, deliberately sharing no code with the product's
/// CRC32C: a fake that used the product's routine would agree with the product's bugs instead of catching them.
/// </summary>
public static class StoredChecksums
{
    /// <summary>CRC-32C (Castagnoli), reflected polynomial.</summary>
    private const uint Polynomial = 0x82F63B78;

    private static readonly uint[] Table = BuildTable();

    public static string Crc32c(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, ~crc);
        return Convert.ToBase64String(bytes);
    }

    public static string Md5(ReadOnlySpan<byte> data) => Convert.ToBase64String(MD5.HashData(data));

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
