namespace Stagecraft.Snapshots;

/// <summary>
/// Small named files a stage reads (label maps, vocabularies, config documents). On the coordinator it is a directory;
/// on a shared-nothing worker it is hydrated from the run's snapshot and read-only.
/// </summary>
/// <remarks>Names are relative <c>/</c>-separated paths with the rules of <see cref="Storage.ObjectKey"/>.</remarks>
public interface IFileStore
{
    /// <summary>True when writes throw <see cref="ReadOnlyStoreException"/>.</summary>
    bool IsReadOnly { get; }

    /// <summary>Every file name, in ordinal order.</summary>
    IReadOnlyList<string> ListNames();

    /// <summary>True when the file exists.</summary>
    bool Exists(string name);

    /// <summary>A copy of the file's bytes.</summary>
    /// <exception cref="FileNotFoundException">No such file (the message names it).</exception>
    byte[] ReadAllBytes(string name);

    /// <summary>Writes (replaces) a file.</summary>
    /// <exception cref="ReadOnlyStoreException">The store is read-only.</exception>
    void Write(string name, ReadOnlySpan<byte> content);

    /// <summary>Deletes a file; false when there was none.</summary>
    /// <exception cref="ReadOnlyStoreException">The store is read-only.</exception>
    bool Delete(string name);
}
