using Stagecraft.Storage;

namespace Stagecraft.Gcp.Storage;

/// <summary>
/// The bytes received do not have the CRC32C that Cloud Storage reported for the object (or the server
/// rejected an upload whose bytes did not match the CRC32C sent with it). The data must not be used.
/// </summary>
public sealed class ChecksumMismatchException : StorageException
{
    public ChecksumMismatchException()
    {
    }

    public ChecksumMismatchException(string message)
        : base(message)
    {
    }

    public ChecksumMismatchException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ChecksumMismatchException(string key, string? expectedCrc32c, string? actualCrc32c)
        : base($"CRC32C mismatch for '{key}': expected {expectedCrc32c ?? "(none)"}, computed {actualCrc32c ?? "(none)"}; the data is corrupt and was not accepted.")
    {
        Key = key;
        ExpectedCrc32c = expectedCrc32c;
        ActualCrc32c = actualCrc32c;
    }

    public string? Key { get; }

    /// <summary>Base64 big-endian CRC32C the other side reported.</summary>
    public string? ExpectedCrc32c { get; }

    /// <summary>Base64 big-endian CRC32C of the bytes actually seen.</summary>
    public string? ActualCrc32c { get; }
}
