namespace Stagecraft.Snapshots;

/// <summary>
/// Configuration entries a stage reads. On the coordinator it is backed by local state; on a shared-nothing worker it is
/// hydrated from the run's snapshot and read-only, so stage code is the same in both places.
/// </summary>
public interface IConfigurationStore
{
    /// <summary>True when writes throw <see cref="ReadOnlyStoreException"/>.</summary>
    bool IsReadOnly { get; }

    /// <summary>Every entry, as a copy.</summary>
    IReadOnlyDictionary<string, string> GetAll();

    /// <summary>The value of <paramref name="key"/>, or false.</summary>
    bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value);

    /// <summary>Sets an entry.</summary>
    /// <exception cref="ReadOnlyStoreException">The store is read-only.</exception>
    void Set(string key, string value);

    /// <summary>Removes an entry; false when there was none.</summary>
    /// <exception cref="ReadOnlyStoreException">The store is read-only.</exception>
    bool Remove(string key);
}
