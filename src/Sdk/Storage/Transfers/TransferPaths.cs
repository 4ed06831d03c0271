using System.Buffers;

namespace Stagecraft.Storage.Transfers;

/// <summary>Maps between object keys under a prefix and paths under a local directory, refusing anything unsafe.</summary>
internal static class TransferPaths
{
    private static readonly SearchValues<char> InvalidFileNameChars = SearchValues.Create(Path.GetInvalidFileNameChars());

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

        if (ExplainUnsafeRelativePath(key.AsSpan(prefix.Length)) is { } reason)
        {
            throw new UnsafeObjectKeyException(key, reason);
        }

        var segments = key[prefix.Length..].Split('/');
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

    /// <summary>
    /// Why the <c>/</c>-separated <paramref name="relativePath"/> is not a safe path below a local root (a segment that is
    /// empty, <c>.</c>, <c>..</c> or not a valid local file name), or null when it is one. On Unix such a path cannot leave
    /// the root, so this check alone lets a caller that only needs the verdict skip building the path.
    /// </summary>
    public static string? ExplainUnsafeRelativePath(ReadOnlySpan<char> relativePath)
    {
        foreach (var range in relativePath.Split('/'))
        {
            var segment = relativePath[range];
            if (segment is "" or "." or "..")
            {
                return $"it has the path segment '{segment}'";
            }

            if (segment.IndexOfAny(InvalidFileNameChars) >= 0 || segment.IndexOfAnyInRange('\u0000', '\u001F') >= 0 || segment.IndexOfAnyInRange('\u007F', '\u009F') >= 0)
            {
                return $"the segment '{segment}' is not a valid local file name";
            }
        }

        return null;
    }

    /// <summary>The '/'-separated path of <paramref name="fullPath"/> relative to <paramref name="root"/>.</summary>
    public static string ToRelativeKeyPath(string root, string fullPath) =>
        Path.GetRelativePath(root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>
    /// Refuses a plan where one object would be a file and another needs the same path as a directory
    /// (keys <c>a</c> and <c>a/b</c>), before anything is written. Paths are <c>/</c>-separated and relative to the
    /// transfer's root; keys are only built for the message.
    /// </summary>
    public static void EnsureNoFileDirectoryClash<T>(IEnumerable<T> plan, Func<T, string> relativePath, Func<T, string> key)
    {
        var files = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in plan)
        {
            files[relativePath(item)] = item;
        }

        var folders = files.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var (path, item) in files)
        {
            for (var at = path.LastIndexOf('/'); at > 0; at = path.LastIndexOf('/', at - 1))
            {
                if (folders.TryGetValue(path.AsSpan(0, at), out var other))
                {
                    throw new UnsafeObjectKeyException(key(item), $"its folder is the file of object '{key(other)}'");
                }
            }
        }
    }
}
