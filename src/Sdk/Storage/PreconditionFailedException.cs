namespace Stagecraft.Storage;

/// <summary>A generation precondition did not hold (HTTP 412): someone else wrote first.</summary>
public sealed class PreconditionFailedException : StorageException
{
    public PreconditionFailedException()
    {
    }

    public PreconditionFailedException(string message)
        : base(message)
    {
    }

    public PreconditionFailedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="key">The object.</param>
    /// <param name="expectedGeneration">The generation the caller required (0 = must not exist).</param>
    /// <param name="actualGeneration">The generation found, 0 when the object does not exist, null when unknown.</param>
    public PreconditionFailedException(string key, long expectedGeneration, long? actualGeneration)
        : base($"Precondition failed for '{key}': expected generation {expectedGeneration}, found {(actualGeneration is { } a ? a.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown")}.")
    {
        Key = key;
        ExpectedGeneration = expectedGeneration;
        ActualGeneration = actualGeneration;
    }

    public string? Key { get; }

    public long ExpectedGeneration { get; }

    /// <summary>The generation found (0 = object missing), or null when the store did not say.</summary>
    public long? ActualGeneration { get; }
}
