namespace Stagecraft.Locking;

/// <summary>
/// Process-wide map from lock-file path to <see cref="LockKey"/>. An entry lives while it has users or a
/// parked kernel wait, so many distinct keys over a long process do not accumulate.
/// </summary>
internal static class LockKeyRegistry
{
    /// <summary>Guards the registry and every <see cref="LockKey"/>'s and <see cref="KernelLockWait"/>'s mutable state.</summary>
    public static readonly Lock Sync = new();

    // Case-insensitive where the usual file systems are, so "A.lock" and "a.lock" share a gate;
    // the kernel lock still excludes correctly when two spellings reach one file.
    private static readonly Dictionary<string, LockKey> Keys =
        new(OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

    /// <summary>Whether <paramref name="fullPath"/> has an entry (for tests: entries must not leak).</summary>
    public static bool IsTracked(string fullPath)
    {
        lock (Sync)
        {
            return Keys.ContainsKey(fullPath);
        }
    }

    public static LockKey Rent(string fullPath)
    {
        lock (Sync)
        {
            if (!Keys.TryGetValue(fullPath, out var key))
            {
                key = new LockKey(fullPath);
                Keys.Add(fullPath, key);
            }

            key.Users++;
            return key;
        }
    }

    public static void Return(LockKey key)
    {
        lock (Sync)
        {
            key.Users--;
            RemoveIfIdle(key);
        }
    }

    /// <summary>Call with <see cref="Sync"/> held.</summary>
    public static void RemoveIfIdle(LockKey key)
    {
        if (key.Users == 0 && key.Parked is null)
        {
            Keys.Remove(key.Path);
        }
    }
}
