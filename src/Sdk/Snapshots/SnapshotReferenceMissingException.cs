namespace Stagecraft.Snapshots;

/// <summary>
/// Building a snapshot found references that do not exist. Nothing is built: a worker must never receive a silently
/// incomplete snapshot and fail later, far from the cause.
/// </summary>
public sealed class SnapshotReferenceMissingException : SnapshotException
{
    public SnapshotReferenceMissingException()
    {
    }

    public SnapshotReferenceMissingException(string message)
        : base(message)
    {
    }

    public SnapshotReferenceMissingException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="stageName">The stage the snapshot was for.</param>
    /// <param name="missing">Each missing reference: the snapshot name and the source path.</param>
    public SnapshotReferenceMissingException(string stageName, IReadOnlyList<(string Name, string SourcePath)> missing)
        : base($"Cannot build the snapshot of stage '{stageName}': {missing?.Count} referenced path(s) do not exist: " +
               string.Join("; ", (missing ?? []).Select(m => $"'{m.Name}' from '{m.SourcePath}'")) + ".")
    {
        StageName = stageName;
        Missing = missing ?? [];
    }

    public string? StageName { get; }

    /// <summary>Every missing reference (not just the first).</summary>
    public IReadOnlyList<(string Name, string SourcePath)> Missing { get; } = [];
}
