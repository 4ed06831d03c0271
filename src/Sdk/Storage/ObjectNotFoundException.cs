namespace Stagecraft.Storage;

/// <summary>The object does not exist.</summary>
public sealed class ObjectNotFoundException : StorageException
{
    public ObjectNotFoundException()
    {
    }

    public ObjectNotFoundException(string key)
        : base($"Object '{key}' does not exist.") => Key = key;

    public ObjectNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public string? Key { get; }
}
