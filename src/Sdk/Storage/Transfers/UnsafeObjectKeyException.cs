namespace Stagecraft.Storage.Transfers;

/// <summary>
/// An object cannot be downloaded into the local directory: its key would land outside it, is not a valid
/// local file name, or clashes with another object (a file where a directory is needed). Thrown before
/// anything is written.
/// </summary>
public sealed class UnsafeObjectKeyException : StorageException
{
    public UnsafeObjectKeyException()
    {
    }

    public UnsafeObjectKeyException(string message)
        : base(message)
    {
    }

    public UnsafeObjectKeyException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="key">The offending object key.</param>
    /// <param name="reason">Why it cannot be downloaded.</param>
    public UnsafeObjectKeyException(string key, string reason)
        : base($"Object '{key}' cannot be downloaded: {reason}.")
    {
        Key = key;
        Reason = reason;
    }

    public string? Key { get; }

    public string? Reason { get; }
}
