using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Stagecraft.Pipelines;

/// <summary>
/// Builds a SHA-256 fingerprint from tagged, length-prefixed fields, so no two different field sequences can
/// produce the same byte stream (no separator in a value can fake a field boundary).
/// </summary>
internal sealed class FingerprintBuilder : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public FingerprintBuilder Add(string tag, string? value)
    {
        AddString(tag);
        if (value is null)
        {
            AddLength(-1);
        }
        else
        {
            AddString(value);
        }

        return this;
    }

    public FingerprintBuilder Add(string tag, ReadOnlySpan<byte> value)
    {
        AddString(tag);
        AddLength(value.Length);
        _hash.AppendData(value);
        return this;
    }

    /// <summary>The lower-case hex SHA-256 of everything added.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public void Dispose() => _hash.Dispose();

    private void AddString(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        AddLength(byteCount);
        if (byteCount <= 256)
        {
            Span<byte> buffer = stackalloc byte[byteCount];
            Encoding.UTF8.GetBytes(value, buffer);
            _hash.AppendData(buffer);
        }
        else
        {
            _hash.AppendData(Encoding.UTF8.GetBytes(value));
        }
    }

    private void AddLength(int length)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, length);
        _hash.AppendData(buffer);
    }
}
