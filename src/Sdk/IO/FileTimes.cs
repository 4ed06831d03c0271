using Microsoft.Win32.SafeHandles;
using Stagecraft.IO.Native;

namespace Stagecraft.IO;

/// <summary>Sets a file's last write time through its open handle.</summary>
internal static class FileTimes
{
    /// <summary>
    /// Sets the last write time of the open file and leaves its access time alone. On 64-bit Linux that is one
    /// <c>futimens</c> (the access time omitted); <see cref="File.SetLastWriteTimeUtc(SafeFileHandle, DateTime)"/> first
    /// reads the file's times with an <c>fstat</c> to write the access time back: a second system call per file, which
    /// counts in a merge or download of thousands of small files.
    /// </summary>
    /// <param name="handle">The open file.</param>
    /// <param name="lastWriteTimeUtc">The time (UTC; an unspecified kind is taken as UTC).</param>
    public static unsafe void SetLastWriteTimeUtc(SafeFileHandle handle, DateTime lastWriteTimeUtc)
    {
        var utc = DateTime.SpecifyKind(lastWriteTimeUtc, DateTimeKind.Utc);
        if (OperatingSystem.IsLinux() && Environment.Is64BitProcess && utc >= DateTime.UnixEpoch)
        {
            var ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
            var times = stackalloc long[4] { 0, LibC.UTIME_OMIT, ticks / TimeSpan.TicksPerSecond, ticks % TimeSpan.TicksPerSecond * 100 };
            if (LibC.Futimens(handle, times) == 0)
            {
                return;
            }

            // Refused (for example a file system without nanosecond times): the runtime's way, and its exception if it fails too.
        }

        File.SetLastWriteTimeUtc(handle, utc);
    }
}
