namespace Stagecraft.Locking;

/// <summary>
/// A <see cref="FileLock"/> could not be taken for a reason other than contention: the kernel refused
/// (<see cref="ErrorCode"/> holds the errno or Win32 error), or the lock file is on a network file system
/// where advisory locks do not reliably exclude other machines (<see cref="FileSystemName"/> is set).
/// </summary>
public class FileLockException : IOException
{
    public FileLockException()
    {
    }

    public FileLockException(string message)
        : base(message)
    {
    }

    public FileLockException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public FileLockException(string message, string lockPath, int? errorCode = null, string? fileSystemName = null, Exception? innerException = null)
        : base(message, innerException)
    {
        LockPath = lockPath;
        ErrorCode = errorCode;
        FileSystemName = fileSystemName;
    }

    /// <summary>The full path of the lock file.</summary>
    public string? LockPath { get; }

    /// <summary>The <c>errno</c> (Unix) or Win32 error code the kernel returned, if the failure came from a system call.</summary>
    public int? ErrorCode { get; }

    /// <summary>The detected network file system (for example <c>nfs</c> or <c>cifs</c>) when that is why the lock was refused.</summary>
    public string? FileSystemName { get; }
}
