namespace Stagecraft.Locking;

/// <summary>What <see cref="FileLock"/> does when the lock file lives on a network file system (NFS, SMB/CIFS, 9p, ...).</summary>
public enum NetworkFileSystemPolicy
{
    /// <summary>Throw <see cref="FileLockException"/>: <c>flock</c> there may not exclude processes on other machines.</summary>
    Refuse,

    /// <summary>Log a warning through <see cref="FileLockOptions.LoggerFactory"/> and take the lock anyway.</summary>
    Warn,

    /// <summary>Take the lock without checking the file system type.</summary>
    Allow,
}
