namespace Stagecraft.References;

/// <summary>
/// The base of the reference area's own errors (the reference store, seeding, upload-back and merge). Storage and
/// local file-system failures surface as their own types (<see cref="Storage.StorageException"/>, <see cref="IOException"/>).
/// </summary>
public class ReferenceException : Exception
{
    public ReferenceException()
    {
    }

    public ReferenceException(string message)
        : base(message)
    {
    }

    public ReferenceException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
