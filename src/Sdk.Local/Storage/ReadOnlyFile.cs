using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Stagecraft.Local.Storage;

/// <summary>
/// Opens object files for reading with a plain <c>open(O_RDONLY)</c> on Unix: <see cref="File.OpenHandle(string, FileMode, FileAccess, FileShare, FileOptions, long)"/>
/// adds an <c>flock(LOCK_SH)</c> to emulate <see cref="FileShare"/>, a system call per read that buys nothing here (a
/// writer never modifies an object file in place; it renames a new one over it).
/// </summary>
internal static partial class ReadOnlyFile
{
    private const int ENOENT = 2;
    private const int EINTR = 4;
    private const int ENOTDIR = 20;

    private static int O_CLOEXEC => OperatingSystem.IsLinux() ? 0x80000 : OperatingSystem.IsFreeBSD() ? 0x100000 : 0x1000000;

    /// <summary>The open file, or <see langword="null"/> when there is none at <paramref name="path"/>.</summary>
    public static SafeFileHandle? TryOpen(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }

        while (true)
        {
            // O_RDONLY is 0; open(2) is variadic but needs no mode without O_CREAT.
            var fd = Open(path, O_CLOEXEC);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR)
            {
                return null;
            }

            if (errno != EINTR)
            {
                throw new IOException($"Cannot open '{path}' ({Marshal.GetPInvokeErrorMessage(errno)}).", errno);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);
}
