namespace Stagecraft.Snapshots;

/// <summary>The snapshot was written in a format version this reader does not know (usually: by a newer Stagecraft).</summary>
public sealed class SnapshotVersionNotSupportedException : SnapshotFormatException
{
    public SnapshotVersionNotSupportedException()
    {
    }

    public SnapshotVersionNotSupportedException(string message)
        : base(message)
    {
    }

    public SnapshotVersionNotSupportedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public SnapshotVersionNotSupportedException(int version)
        : base(version > SnapshotWireFormat.CurrentVersion
            ? $"Snapshot format version {version} is newer than this reader supports ({SnapshotWireFormat.MinimumReadableVersion}–{SnapshotWireFormat.CurrentVersion}); upgrade Stagecraft.Sdk on the worker to match the coordinator."
            : $"Snapshot format version {version} is not a version Stagecraft ever wrote (readable: {SnapshotWireFormat.MinimumReadableVersion}–{SnapshotWireFormat.CurrentVersion}).")
        => Version = version;

    /// <summary>The version found in the header.</summary>
    public int Version { get; }
}
