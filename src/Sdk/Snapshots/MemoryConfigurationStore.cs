namespace Stagecraft.Snapshots;

/// <summary>A writable in-memory configuration store, for the coordinator side and tests. Thread-safe.</summary>
public sealed class MemoryConfigurationStore : IConfigurationStore
{
    private readonly Dictionary<string, string> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public MemoryConfigurationStore()
    {
    }

    /// <param name="entries">Initial entries (copied).</param>
    public MemoryConfigurationStore(IEnumerable<KeyValuePair<string, string>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var (key, value) in entries)
        {
            Set(key, value);
        }
    }

    public bool IsReadOnly => false;

    public IReadOnlyDictionary<string, string> GetAll()
    {
        lock (_gate)
        {
            return new Dictionary<string, string>(_entries, StringComparer.Ordinal);
        }
    }

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(key, out value);
        }
    }

    public void Set(string key, string value)
    {
        SnapshotRules.ValidateName(key, "configuration key", nameof(key));
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            _entries[key] = value;
        }
    }

    public bool Remove(string key)
    {
        lock (_gate)
        {
            return _entries.Remove(key);
        }
    }
}
