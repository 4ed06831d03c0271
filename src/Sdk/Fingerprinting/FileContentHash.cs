using System.Buffers;
using System.Security.Cryptography;

namespace Stagecraft.Fingerprinting;

/// <summary>
/// SHA-256 of one file in a single sequential pass: large reads straight into a pooled buffer, hashed by the
/// platform's SHA-256 (OpenSSL on Linux, which uses the CPU's SHA instructions), so hashing a big input costs about
/// what <c>openssl dgst -sha256</c> costs.
/// </summary>
internal static class FileContentHash
{
    private const int ReadBufferSize = 1024 * 1024;

    /// <summary>The lower-case hex SHA-256 and the size of the file at <paramref name="path"/>, hashed off the calling thread.</summary>
    public static Task<(string Sha256, long Size)> ComputeAsync(string path, CancellationToken cancellationToken) =>
        Task.Run(() => Compute(path, cancellationToken), cancellationToken);

    /// <inheritdoc cref="ComputeAsync"/>
    public static (string Sha256, long Size) Compute(string path, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        try
        {
            long offset = 0;
            int read;
            while ((read = RandomAccess.Read(handle, buffer.AsSpan(0, ReadBufferSize), offset)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                sha.AppendData(buffer, 0, read);
                offset += read;
            }

            return (Convert.ToHexStringLower(sha.GetHashAndReset()), offset);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
