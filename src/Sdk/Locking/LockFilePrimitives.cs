using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Stagecraft.IO.Native;

namespace Stagecraft.Locking;

/// <summary>
/// The kernel side of <see cref="FileLock"/>: open the lock file, lock, unlock. Unix uses
/// <c>flock(2)</c> (whole-file, owned by the open file description, interoperable with Python's
/// <c>fcntl.flock</c>); Windows uses <c>LockFileEx</c> on byte 0.
/// </summary>
internal static class LockFilePrimitives
{
    // rw-r--r--: the lock file carries no data, others only need to open it.
    private const int LockFileMode = 0x1A4;

    private const int ENOENT = 2;

    /// <summary>
    /// Opens (creating if needed, with its parent directory) the lock file; one open per acquisition,
    /// never shared. The parent is created only after a first ENOENT, keeping the hot path at one syscall.
    /// </summary>
    public static SafeHandle Open(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return OpenWindows(path);
        }

        var createdParent = false;
        while (true)
        {
            var fd = LibC.Open(path, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, LockFileMode);
            if (fd >= 0)
            {
                return new SafeFileDescriptor(fd);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT && !createdParent && Path.GetDirectoryName(path) is { Length: > 0 } parent)
            {
                Directory.CreateDirectory(parent);
                createdParent = true;
            }
            else if (errno != LibC.EINTR)
            {
                throw new FileLockException($"Cannot open lock file '{path}' ({LibC.Describe(errno)}).", path, errno);
            }
        }
    }

    private static SafeFileHandle OpenWindows(string path)
    {
        try
        {
            try
            {
                return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (DirectoryNotFoundException) when (Path.GetDirectoryName(path) is { Length: > 0 } parent)
            {
                Directory.CreateDirectory(parent);
                return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FileLockException($"Cannot open lock file '{path}': {e.Message}", path, e.HResult, innerException: e);
        }
    }

    /// <summary>Takes the lock without waiting; <see langword="false"/> when another holder has it.</summary>
    public static unsafe bool TryLock(SafeHandle file, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            var overlapped = default(NativeOverlapped);
            if (Kernel32.LockFileEx((SafeFileHandle)file, Kernel32.LOCKFILE_EXCLUSIVE_LOCK | Kernel32.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &overlapped))
            {
                return true;
            }

            var error = Marshal.GetLastPInvokeError();
            return error is Kernel32.ERROR_LOCK_VIOLATION or Kernel32.ERROR_IO_PENDING
                ? false
                : throw new FileLockException($"LockFileEx on '{path}' failed (Win32 error {error}: {Marshal.GetPInvokeErrorMessage(error)}).", path, error);
        }

        while (true)
        {
            if (LibC.Flock(file, LibC.LOCK_EX | LibC.LOCK_NB) == 0)
            {
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EWOULDBLOCK)
            {
                return false;
            }

            if (errno != LibC.EINTR)
            {
                throw FlockFailed(path, errno);
            }
        }
    }

    /// <summary>Blocks in the kernel until the lock is granted. Call only from a thread that may block indefinitely.</summary>
    public static unsafe void Lock(SafeHandle file, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            // A synchronous handle: LockFileEx without FAIL_IMMEDIATELY waits in the kernel.
            var overlapped = default(NativeOverlapped);
            if (!Kernel32.LockFileEx((SafeFileHandle)file, Kernel32.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &overlapped))
            {
                var error = Marshal.GetLastPInvokeError();
                throw new FileLockException($"LockFileEx on '{path}' failed (Win32 error {error}: {Marshal.GetPInvokeErrorMessage(error)}).", path, error);
            }

            return;
        }

        while (LibC.Flock(file, LibC.LOCK_EX) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                throw FlockFailed(path, errno);
            }
        }
    }

    /// <summary>
    /// Releases the lock. Explicit <c>LOCK_UN</c> before close matters: a child forked by
    /// <c>Process.Start</c> may briefly hold a duplicate of the descriptor (until its exec closes
    /// O_CLOEXEC files), and only LOCK_UN releases the shared open file description immediately.
    /// </summary>
    public static unsafe void Unlock(SafeHandle file)
    {
        if (OperatingSystem.IsWindows())
        {
            var overlapped = default(NativeOverlapped);
            _ = Kernel32.UnlockFileEx((SafeFileHandle)file, 0, 1, 0, &overlapped);
            return;
        }

        // Failure here (EBADF/EINVAL) cannot leave the lock held: close releases it regardless.
        while (LibC.Flock(file, LibC.LOCK_UN) != 0 && Marshal.GetLastPInvokeError() == LibC.EINTR)
        {
        }
    }

    private static FileLockException FlockFailed(string path, int errno) =>
        new($"flock(LOCK_EX) on lock file '{path}' failed ({LibC.Describe(errno)}); the kernel or file system does not support the lock.", path, errno);
}
