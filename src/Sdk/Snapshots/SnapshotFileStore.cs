namespace Stagecraft.Snapshots;

/// <summary>The read-only files a worker hydrates from a snapshot; reads return copies.</summary>
internal sealed class SnapshotFileStore(StageSnapshot snapshot) : IFileStore
{
    public bool IsReadOnly => true;

    public IReadOnlyList<string> ListNames() => snapshot.FileNames;

    public bool Exists(string name) => snapshot.TryGetFileSize(name, out _);

    public byte[] ReadAllBytes(string name) =>
        snapshot.TryGetFile(name, out var content)
            ? content
            : throw new FileNotFoundException($"The snapshot of stage '{snapshot.StageName}' carries no file '{name}'.", name);

    public void Write(string name, ReadOnlySpan<byte> content) => throw new ReadOnlyStoreException(StoreName, nameof(Write), name);

    public bool Delete(string name) => throw new ReadOnlyStoreException(StoreName, nameof(Delete), name);

    private string StoreName => $"file store of stage '{snapshot.StageName}'";
}
