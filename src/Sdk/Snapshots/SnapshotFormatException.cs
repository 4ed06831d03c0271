namespace Stagecraft.Snapshots;

/// <summary>The bytes are not a valid snapshot: wrong magic, truncated, corrupt, or inconsistent.</summary>
public class SnapshotFormatException : SnapshotException
{
    public SnapshotFormatException()
    {
    }

    public SnapshotFormatException(string message)
        : base(message)
    {
    }

    public SnapshotFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
