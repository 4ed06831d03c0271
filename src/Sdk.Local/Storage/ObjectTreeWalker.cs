using System.IO.Enumeration;
using Stagecraft.Storage;

namespace Stagecraft.Local.Storage;

/// <summary>
/// Enumerates the objects under the store's <c>objects</c> directory in key order (<see cref="ObjectKeyComparer"/>),
/// descending only into directories that can hold keys starting with <c>prefix</c> and coming after the cursor.
/// </summary>
/// <remarks>
/// Sorting each directory by "segment" for objects and "segment/" for subdirectories gives global key order:
/// every key below a subdirectory starts with "segment/", and no other entry of the directory does.
/// Entries may vanish while we walk (a concurrent delete); they are skipped. With a delimiter, a directory all of whose
/// keys fold into one prefix is returned as that prefix (a null path) without being enumerated: only its first object is
/// looked for, to know that it holds one.
/// </remarks>
internal sealed class ObjectTreeWalker(string objectsRoot, string prefix, ListCursor? after, string? delimiter = null, SortedDirectoryCache? cache = null)
{
    /// <summary>
    /// Keys starting with this are skipped from now on (set by a delimiter listing once it has folded a prefix),
    /// and directories below it are not entered.
    /// </summary>
    public string? ExcludePrefix { get; set; }

    /// <summary>Objects (key, file path) and, with a delimiter, whole folded directories (prefix, null), in key order.</summary>
    public IEnumerable<(string Key, string? Path)> Walk() => WalkDirectory(objectsRoot, string.Empty);

    private IEnumerable<(string Key, string? Path)> WalkDirectory(string directory, string keyPrefix)
    {
        var narrowed = EncodedNamePrefixFor(keyPrefix);
        var entries = narrowed is not null && !(cache?.Holds(directory) ?? false)
            ? ReadSortedEntries(directory, keyPrefix, narrowed)
            : cache is null ? ReadSortedEntries(directory, keyPrefix) : cache.GetOrRead(directory, keyPrefix, ReadSortedEntries);
        for (var i = StartIndex(entries); i < entries.Count; i++)
        {
            var entry = entries[i];
            if (!Overlaps(entry.Name) && ObjectKeyComparer.Instance.Compare(entry.Name, prefix) > 0)
            {
                break; // sorted: nothing after this can start with the prefix either
            }

            if (entry.IsDirectory)
            {
                if (!Overlaps(entry.Name) || IsExcluded(entry.Name) || (after is { } cursor && NothingAfter(entry.Name, cursor)))
                {
                    continue;
                }

                if (FoldedPrefixOf(entry.Name) is { } folded)
                {
                    if (HasAnyObject(entry.Path))
                    {
                        yield return (folded, null);
                    }

                    continue;
                }

                foreach (var item in WalkDirectory(entry.Path, entry.Name))
                {
                    yield return item;
                }
            }
            else if (entry.Name.StartsWith(prefix, StringComparison.Ordinal)
                     && !IsExcluded(entry.Name)
                     && (after is not { } cursor || IsAfter(entry.Name, cursor)))
            {
                yield return (entry.Name, entry.Path);
            }
        }
    }

    /// <summary>
    /// Where a sorted directory's entries can start to matter: the first at or after the prefix and after the cursor, found
    /// by binary search (so page k of a big directory costs what page 1 does). A directory whose name is an ancestor of the
    /// prefix or the cursor sorts just before that point and may hold later keys: it is included.
    /// </summary>
    private int StartIndex(List<Entry> entries)
    {
        var start = Bound(entries, prefix, inclusive: true);
        if (after is { } cursor)
        {
            start = Math.Max(start, Bound(entries, cursor.Value, inclusive: false));
        }

        return start;
    }

    /// <summary>First index whose name is at (when <paramref name="inclusive"/>) or after <paramref name="value"/>, stepping back over an ancestor directory.</summary>
    private static int Bound(List<Entry> entries, string value, bool inclusive)
    {
        int low = 0, high = entries.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            var order = ObjectKeyComparer.Instance.Compare(entries[middle].Name, value);
            if (order < 0 || (order == 0 && !inclusive))
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low > 0 && entries[low - 1].IsDirectory && value.StartsWith(entries[low - 1].Name, StringComparison.Ordinal) ? low - 1 : low;
    }

    /// <summary>The prefix every key below <paramref name="directoryPrefix"/> folds into, when the delimiter decides it already.</summary>
    private string? FoldedPrefixOf(string directoryPrefix) =>
        delimiter is not null
        && directoryPrefix.StartsWith(prefix, StringComparison.Ordinal)
        && directoryPrefix.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal) is var at and >= 0
        && at + delimiter.Length <= directoryPrefix.Length
            ? directoryPrefix[..(at + delimiter.Length)]
            : null;

    /// <summary>Whether the directory holds at least one object file, at any depth (stops at the first).</summary>
    private static bool HasAnyObject(string directory)
    {
        try
        {
            foreach (var child in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
            {
                var marker = child.Name.IndexOf(ObjectPathEncoding.ObjectSuffix, StringComparison.Ordinal);
                if ((child is FileInfo && marker == child.Name.Length - 1 && marker > 0) || (child is DirectoryInfo && marker < 0 && HasAnyObject(child.FullName)))
                {
                    return true;
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Removed while we looked: it holds nothing.
        }

        return false;
    }

    /// <summary>True when some key starting with <paramref name="directoryPrefix"/> can start with <c>prefix</c>.</summary>
    private bool Overlaps(string directoryPrefix) =>
        directoryPrefix.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(directoryPrefix, StringComparison.Ordinal);

    private bool IsExcluded(string keyOrDirectoryPrefix) =>
        ExcludePrefix is { } excluded && keyOrDirectoryPrefix.StartsWith(excluded, StringComparison.Ordinal);

    private static bool IsAfter(string key, ListCursor cursor) =>
        ObjectKeyComparer.Instance.Compare(key, cursor.Value) > 0
        && !(cursor.IsPrefix && key.StartsWith(cursor.Value, StringComparison.Ordinal));

    /// <summary>True when no key starting with <paramref name="directoryPrefix"/> comes after the cursor.</summary>
    private static bool NothingAfter(string directoryPrefix, ListCursor cursor)
    {
        if (cursor.IsPrefix && directoryPrefix.StartsWith(cursor.Value, StringComparison.Ordinal))
        {
            return true;
        }

        // Below the cursor and not one of its ancestors: every key in here differs from the cursor within
        // the directory prefix, at a smaller character.
        return ObjectKeyComparer.Instance.Compare(directoryPrefix, cursor.Value) < 0
               && !cursor.Value.StartsWith(directoryPrefix, StringComparison.Ordinal);
    }

    /// <summary>
    /// The directory's objects (Name = full key) and subdirectories (Name = key prefix ending in '/'), in key order.
    /// </summary>
    internal static List<Entry> ReadSortedEntries(string directory, string keyPrefix) => ReadSortedEntries(directory, keyPrefix, null);

    /// <param name="directory">The directory.</param>
    /// <param name="keyPrefix">The key prefix the directory stands for.</param>
    /// <param name="encodedNamePrefix">
    /// When set, only entries whose encoded name starts with it (and hashed ones, whose name says nothing) are decoded:
    /// a prefix matching 5 of 100,000 objects decodes 5 names, not 100,000.
    /// </param>
    private static List<Entry> ReadSortedEntries(string directory, string keyPrefix, string? encodedNamePrefix)
    {
        var entries = new List<Entry>();
        var enumeration = new FileSystemEnumerable<(string Name, string Path, bool IsDirectory)>(
            directory,
            (ref entry) => (entry.FileName.ToString(), entry.ToFullPath(), entry.IsDirectory),
            new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false })
        {
            ShouldIncludePredicate = (ref entry) =>
                encodedNamePrefix is null
                || entry.FileName.StartsWith(encodedNamePrefix, StringComparison.Ordinal)
                || entry.FileName.StartsWith(ObjectPathEncoding.HashedPrefix, StringComparison.Ordinal),
        };

        List<(string Name, string Path, bool IsDirectory)> children;
        try
        {
            children = [.. enumeration];
        }
        catch (DirectoryNotFoundException)
        {
            return entries;
        }

        foreach (var (name, path, isDirectory) in children)
        {
            var marker = name.IndexOf(ObjectPathEncoding.ObjectSuffix, StringComparison.Ordinal);
            if (!isDirectory && marker == name.Length - 1)
            {
                var key = ObjectKeyOf(path, name[..^1], keyPrefix);
                if (key is not null)
                {
                    entries.Add(new Entry(key, path, IsDirectory: false));
                }
            }
            else if (isDirectory && marker < 0)
            {
                var segment = DirectorySegmentOf(path, name);
                if (segment is not null)
                {
                    entries.Add(new Entry(keyPrefix + segment + "/", path, IsDirectory: true));
                }
            }

            // Anything else (temporary files, segment records, foreign files) is not an object.
        }

        entries.Sort(static (a, b) => ObjectKeyComparer.Instance.Compare(a.Name, b.Name));
        return entries;
    }

    /// <summary>
    /// The encoded-name prefix every entry of the directory standing for <paramref name="keyPrefix"/> must have to hold
    /// keys starting with the listing prefix, or null when the prefix does not narrow this directory.
    /// </summary>
    private string? EncodedNamePrefixFor(string keyPrefix)
    {
        if (prefix.Length <= keyPrefix.Length || !prefix.StartsWith(keyPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = prefix.AsSpan(keyPrefix.Length);
        var slash = rest.IndexOf('/');
        var segment = (slash >= 0 ? rest[..slash] : rest).ToString();
        if (segment.Length == 0 || char.IsHighSurrogate(segment[^1]))
        {
            return null;
        }

        var encoded = ObjectPathEncoding.EncodeSegment(segment);
        return ObjectPathEncoding.IsHashed(encoded) ? null : encoded;
    }

    private static string? ObjectKeyOf(string path, string encodedSegment, string keyPrefix)
    {
        if (!ObjectPathEncoding.IsHashed(encodedSegment))
        {
            return ObjectPathEncoding.DecodeSegment(encodedSegment) is { } segment ? keyPrefix + segment : null;
        }

        // Hashed name: the header holds the key.
        try
        {
            return ObjectFile.TryReadInfo(path)?.Key;
        }
        catch (StorageException)
        {
            return null;
        }
    }

    private static string? DirectorySegmentOf(string path, string name)
    {
        if (!ObjectPathEncoding.IsHashed(name))
        {
            return ObjectPathEncoding.DecodeSegment(name);
        }

        try
        {
            return File.ReadAllText(Path.Join(path, ObjectPathEncoding.SegmentFileName), System.Text.Encoding.UTF8);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Created but not yet labelled, so nothing has been committed inside yet.
            return null;
        }
    }

    /// <summary>An object (Name = its key) or a subdirectory (Name = its key prefix, ending in '/').</summary>
    internal readonly record struct Entry(string Name, string Path, bool IsDirectory);
}
