namespace Stagecraft.Snapshots;

/// <summary>The read-only configuration a worker hydrates from a snapshot.</summary>
internal sealed class SnapshotConfigurationStore(StageSnapshot snapshot) : IConfigurationStore
{
    public bool IsReadOnly => true;

    public IReadOnlyDictionary<string, string> GetAll() => new Dictionary<string, string>(snapshot.Configuration, StringComparer.Ordinal);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => snapshot.Configuration.TryGetValue(key, out value);

    public void Set(string key, string value) => throw new ReadOnlyStoreException(StoreName, nameof(Set), key);

    public bool Remove(string key) => throw new ReadOnlyStoreException(StoreName, nameof(Remove), key);

    private string StoreName => $"configuration of stage '{snapshot.StageName}'";
}
