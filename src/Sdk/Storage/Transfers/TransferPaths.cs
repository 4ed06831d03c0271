namespace Stagecraft.Storage.Transfers;

/// <summary>Maps between object keys under a prefix and paths under a local directory, refusing anything unsafe.</summary>
internal static class TransferPaths
{
    private static readonly char[] InvalidFileNameChars = Path.GetInvalidFileNameChars();

    /// <summary>A transfer prefix names a folder: empty (the whole store) or ending in <c>/</c>.</summary>
    public static string NormalizePrefix(string prefix)
    {
        ObjectKey.ValidatePrefix(prefix);
        return prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";
    }

    /// <summary>The full path of <paramref name="localDirectory"/>, ending without a separator.</summary>
    public static string NormalizeRoot(string localDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(localDirectory);
        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(localDirectory));
    }

    /// <summary>
    /// Where the object <paramref name="key"/> (under <paramref name="prefix"/>) lands inside <paramref name="root"/>.
    /// Keys come from the store, and a store may hold names our <see cref="ObjectKey"/> rules would refuse
    /// (Cloud Storage accepts <c>..</c> segments), so each segment is checked as a local file name and the result
    /// must stay strictly inside the root.
    /// </summary>
    public static string ToLocalPath(string root, string prefix, string key)
    {
        if (!key.StartsWith(prefix, StringComparison.Ordinal) || key.Length == prefix.Length)
        {
            throw new UnsafeObjectKeyException(key, $"it does not name a file under the prefix '{prefix}'");
        }

        var segments = key[prefix.Length..].Split('/');
        foreach (var segment in segments)
        {
            if (segment is "" or "." or "..")
            {
                throw new UnsafeObjectKeyException(key, $"it has the path segment '{segment}'");
            }

            if (segment.IndexOfAny(InvalidFileNameChars) >= 0 || segment.AsSpan().IndexOfAnyInRange('\u0000', '\u001F') >= 0 || segment.AsSpan().IndexOfAnyInRange('\u007F', '\u009F') >= 0)
            {
                throw new UnsafeObjectKeyException(key, $"the segment '{segment}' is not a valid local file name");
            }
        }

        var joined = Path.Join([root, .. segments]);
        if (!OperatingSystem.IsWindows())
        {
            // Segments without '/' that are not '.' or '..' cannot leave the root on Unix: no need to normalise (it is
            // the merge's per-file cost).
            return joined;
        }

        var full = Path.GetFullPath(joined);
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new UnsafeObjectKeyException(key, $"it would land outside '{root}'");
        }

        return full;
    }

    /// <summary>The '/'-separated path of <paramref name="fullPath"/> relative to <paramref name="root"/>.</summary>
    public static string ToRelativeKeyPath(string root, string fullPath) =>
        Path.GetRelativePath(root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>
    /// Refuses a plan where one object would be a file and another needs the same path as a directory
    /// (keys <c>a</c> and <c>a/b</c>), before anything is written.
    /// </summary>
    public static void EnsureNoFileDirectoryClash(string root, IEnumerable<(string Key, string LocalPath)> plan)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, path) in plan)
        {
            files[path] = key;
        }

        foreach (var (key, path) in plan)
        {
            for (var dir = Path.GetDirectoryName(path); dir is not null && dir.Length > root.Length; dir = Path.GetDirectoryName(dir))
            {
                if (files.TryGetValue(dir, out var other))
                {
                    throw new UnsafeObjectKeyException(key, $"its folder is the file of object '{other}'");
                }
            }
        }
    }
}
