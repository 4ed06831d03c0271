namespace Stagecraft.Snapshots;

/// <summary>Base type of snapshot failures: every error the reader, the builder or a snapshot store raises derives from it.</summary>
public class SnapshotException : Exception
{
    public SnapshotException()
    {
    }

    public SnapshotException(string message)
        : base(message)
    {
    }

    public SnapshotException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
