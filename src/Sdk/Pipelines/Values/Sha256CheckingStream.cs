using System.Security.Cryptography;
using Stagecraft.IO;

namespace Stagecraft.Pipelines;

/// <summary>
/// Passes content through while hashing it and, at its end, throws <see cref="ContentIntegrityException"/> instead of
/// reporting the end when the bytes are not the expected size and SHA-256, so bytes that differ from their content key
/// are never stored nor used.
/// </summary>
internal sealed class Sha256CheckingStream(Stream inner, string expectedSha256, long expectedSize, string description) : CheckedReadStream(inner)
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public override long Length => expectedSize;

    protected override void Append(ReadOnlySpan<byte> data) => _sha.AppendData(data);

    protected override void Verify(long bytesRead)
    {
        var actual = Convert.ToHexStringLower(_sha.GetHashAndReset());
        if (bytesRead != expectedSize || actual != expectedSha256)
        {
            throw new ContentIntegrityException(
                $"{description} has {bytesRead} bytes with SHA-256 {actual}, but {expectedSize} bytes with SHA-256 {expectedSha256} were expected; the bytes changed, so they are neither stored nor used.");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha.Dispose();
        }

        base.Dispose(disposing);
    }
}
