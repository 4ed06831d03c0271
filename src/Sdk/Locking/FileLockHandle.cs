using System.Runtime.InteropServices;

namespace Stagecraft.Locking;

/// <summary>
/// A held <see cref="FileLock"/>. Dispose to release: <c>LOCK_UN</c>, close the descriptor, then let the
/// next task of this process in. The lock file itself is never deleted (see <see cref="FileLock"/>).
/// </summary>
public sealed class FileLockHandle : IDisposable, IAsyncDisposable
{
    private readonly LockKey _key;
    private SafeHandle? _file;

    internal FileLockHandle(LockKey key, SafeHandle file)
    {
        _key = key;
        _file = file;
    }

    /// <summary>The full path of the lock file.</summary>
    public string Path => _key.Path;

    /// <summary>Whether this handle still holds the lock.</summary>
    public bool IsHeld => Volatile.Read(ref _file) is not null;

    /// <summary>Releases the lock. Idempotent.</summary>
    public void Dispose()
    {
        var file = Interlocked.Exchange(ref _file, null);
        if (file is null)
        {
            return;
        }

        try
        {
            LockFilePrimitives.Unlock(file);
            file.Dispose();
        }
        finally
        {
            _key.Gate.Release();
            LockKeyRegistry.Return(_key);
        }
    }

    /// <summary>Releases the lock (synchronously: it is two system calls).</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    /// <inheritdoc />
    public override string ToString() => $"FileLockHandle({Path}, {(IsHeld ? "held" : "released")})";
}
