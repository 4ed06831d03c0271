using System.Collections.Concurrent;

namespace Stagecraft.Local.Storage;

/// <summary>
/// Keeps the sorted entries of large object directories between listing pages, so a listing of 100,000 objects in one
/// folder reads and sorts the folder once, not once per page. An entry is reused only while the directory's modification
/// time is unchanged (every create, rename or delete in it changes that time).
/// </summary>
/// <remarks>
/// A directory is cached only when its modification time was at least <see cref="SettledAfter"/> old when it was read:
/// file systems stamp times from a coarse clock, so a change made in the same tick as the read could otherwise leave the
/// time unchanged and the cached list stale. A directory that is being written is therefore read afresh for each page.
/// </remarks>
internal sealed class SortedDirectoryCache
{
    /// <summary>Directories smaller than this are cheap to read again; they are not cached.</summary>
    public const int MinimumEntries = 512;

    private const int MaxDirectories = 32;

    private static readonly TimeSpan SettledAfter = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (DateTime Modified, List<ObjectTreeWalker.Entry> Entries)> _directories = new(StringComparer.Ordinal);

    /// <summary>Whether the directory's entries are kept and still current (a narrowed listing then uses them instead of reading).</summary>
    public bool Holds(string directory) =>
        _directories.TryGetValue(directory, out var cached) && cached.Modified == Directory.GetLastWriteTimeUtc(directory);

    public List<ObjectTreeWalker.Entry> GetOrRead(string directory, string keyPrefix, Func<string, string, List<ObjectTreeWalker.Entry>> read)
    {
        var modified = Directory.GetLastWriteTimeUtc(directory);
        if (_directories.TryGetValue(directory, out var cached) && cached.Modified == modified)
        {
            return cached.Entries;
        }

        var entries = read(directory, keyPrefix);
        if (entries.Count >= MinimumEntries && modified <= DateTime.UtcNow - SettledAfter && Directory.GetLastWriteTimeUtc(directory) == modified)
        {
            if (_directories.Count >= MaxDirectories)
            {
                _directories.Clear();
            }

            _directories[directory] = (modified, entries);
        }
        else
        {
            _directories.TryRemove(directory, out _);
        }

        return entries;
    }
}
