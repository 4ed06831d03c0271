namespace Stagecraft.Registry;

/// <summary>A registry object in storage is not a document this version can read (corrupt, or written by something else).</summary>
public sealed class RegistryDataException : RegistryException
{
    public RegistryDataException()
    {
    }

    public RegistryDataException(string message)
        : base(message)
    {
    }

    public RegistryDataException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public RegistryDataException(string key, string problem, Exception? innerException)
        : base($"Registry object '{key}' is unreadable: {problem}.", innerException) => Key = key;

    /// <summary>The storage key of the unreadable object.</summary>
    public string? Key { get; }
}
