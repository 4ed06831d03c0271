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
internal sealed class ObjectTreeWalker(string objectsRoot, string prefix, ListCursor? after, string? delimiter = null)
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
        foreach (var entry in ReadSortedEntries(directory, keyPrefix))
        {
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
    private static List<Entry> ReadSortedEntries(string directory, string keyPrefix)
    {
        var entries = new List<Entry>();
        IEnumerable<FileSystemInfo> children;
        try
        {
            children = new DirectoryInfo(directory).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false }).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return entries;
        }

        foreach (var child in children)
        {
            var name = child.Name;
            var marker = name.IndexOf(ObjectPathEncoding.ObjectSuffix, StringComparison.Ordinal);
            if (child is FileInfo && marker == name.Length - 1)
            {
                var key = ObjectKeyOf(child.FullName, name[..^1], keyPrefix);
                if (key is not null)
                {
                    entries.Add(new Entry(key, child.FullName, IsDirectory: false));
                }
            }
            else if (child is DirectoryInfo && marker < 0)
            {
                var segment = DirectorySegmentOf(child.FullName, name);
                if (segment is not null)
                {
                    entries.Add(new Entry(keyPrefix + segment + "/", child.FullName, IsDirectory: true));
                }
            }

            // Anything else (temporary files, segment records, foreign files) is not an object.
        }

        entries.Sort(static (a, b) => ObjectKeyComparer.Instance.Compare(a.Name, b.Name));
        return entries;
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

    private readonly record struct Entry(string Name, string Path, bool IsDirectory);
}
