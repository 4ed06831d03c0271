namespace Stagecraft.Storage.Transfers;

/// <summary>
/// Orders files to be written in parallel round-robin over their directories. A create holds its directory's lock while
/// the file system allocates the inode, so files in path order queue every parallel writer behind one directory
/// (measured on ext4: a 600-file key merged 1.9x slower than the same writes spread over its directories).
/// </summary>
internal static class DirectorySpread
{
    /// <summary>
    /// The items, round-robin over the directories <paramref name="directoryOf"/> names; within a directory the input
    /// order is kept.
    /// </summary>
    public static List<T> RoundRobin<T>(IEnumerable<T> items, Func<T, string> directoryOf)
    {
        var byDirectory = items.GroupBy(directoryOf, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        var total = byDirectory.Sum(d => d.Count);
        var ordered = new List<T>(total);
        for (var round = 0; ordered.Count < total; round++)
        {
            foreach (var directory in byDirectory)
            {
                if (round < directory.Count)
                {
                    ordered.Add(directory[round]);
                }
            }
        }

        return ordered;
    }
}
