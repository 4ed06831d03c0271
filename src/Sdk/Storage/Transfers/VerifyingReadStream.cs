using Stagecraft.IO;

namespace Stagecraft.Storage.Transfers;

/// <summary>
/// Passes an object's content through and, at its end, checks the byte count and CRC32C against the object's
/// information, throwing instead of reporting the end when they differ, so a truncated or corrupted copy is never
/// committed.
/// </summary>
internal sealed class VerifyingReadStream(Stream inner, ObjectInfo expected) : CheckedReadStream(inner)
{
    private readonly Crc32C _crc = new();

    protected override void Append(ReadOnlySpan<byte> data) => _crc.Append(data);

    protected override void Verify(long bytesRead)
    {
        if (bytesRead != expected.Size || (expected.Crc32c is { } crc && _crc.ToBase64() != crc))
        {
            throw new StorageException($"Download of '{expected.Key}' is corrupt: got {bytesRead} bytes with CRC32C {_crc.ToBase64()}, expected {expected.Size} bytes with CRC32C {expected.Crc32c ?? "(none)"}.");
        }
    }
}
