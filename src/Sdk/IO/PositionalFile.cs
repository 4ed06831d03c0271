using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Stagecraft.IO;

/// <summary>
/// Positional reads and writes (<c>pread</c>/<c>pwrite</c>) for handles made from a raw descriptor (an <c>open</c> or
/// <c>openat</c> of ours). <see cref="RandomAccess"/> first asks such a handle whether it can seek, with an <c>lseek</c> per
/// handle (its length, too: <see cref="RandomAccess.GetLength"/> asks before its <c>fstat</c>): one or two more system calls
/// per file, which showed as 5% of a post-run merge of thousands of small files. Our handles are regular files, always
/// positional; nothing here uses or needs the file position. Windows goes through <see cref="RandomAccess"/>.
/// </summary>
/// <remarks>Shared as source, internal in each assembly that needs it (like <c>Crc32C</c>).</remarks>
internal static partial class PositionalFile
{
    private const int EINTR = 4;
    private const int SEEK_END = 2;

    /// <summary>The file's length: <c>lseek(SEEK_END)</c>, one system call (the position it moves is never used).</summary>
    /// <exception cref="IOException">The length could not be read (<see cref="Exception.HResult"/> is the errno).</exception>
    public static long Length(SafeFileHandle handle)
    {
        if (OperatingSystem.IsWindows())
        {
            return RandomAccess.GetLength(handle);
        }

        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        var length = LSeek(handle, 0, SEEK_END);
        return length >= 0 ? length : throw Failure("measure", Marshal.GetLastPInvokeError());
    }

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/>; returns the bytes read, 0 at the end of the file.</summary>
    /// <exception cref="IOException">The read failed (<see cref="Exception.HResult"/> is the errno).</exception>
    public static unsafe int Read(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        if (OperatingSystem.IsWindows())
        {
            return RandomAccess.Read(handle, buffer, offset);
        }

        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        fixed (byte* data = buffer)
        {
            while (true)
            {
                var read = PRead(handle, data, (nuint)buffer.Length, offset);
                if (read >= 0)
                {
                    return (int)read;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    throw Failure("read", errno);
                }
            }
        }
    }

    /// <summary>Writes all of <paramref name="content"/> at <paramref name="offset"/>.</summary>
    /// <exception cref="IOException">The write failed, for example on a full disk (<see cref="Exception.HResult"/> is the errno).</exception>
    public static unsafe void Write(SafeFileHandle handle, ReadOnlySpan<byte> content, long offset)
    {
        if (OperatingSystem.IsWindows())
        {
            RandomAccess.Write(handle, content, offset);
            return;
        }

        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        fixed (byte* data = content)
        {
            var done = 0;
            while (done < content.Length)
            {
                var written = PWrite(handle, data + done, (nuint)(content.Length - done), offset + done);
                if (written > 0)
                {
                    done += (int)written;
                    continue;
                }

                var errno = written < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (errno != EINTR)
                {
                    throw Failure("write", errno);
                }
            }
        }
    }

    private static IOException Failure(string operation, int errno) =>
        new(errno == 0
            ? $"Cannot {operation} the file: no progress was made."
            : $"Cannot {operation} the file (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)}).", errno);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(SafeFileHandle handle, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static unsafe partial nint PRead(SafeFileHandle handle, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static unsafe partial nint PWrite(SafeFileHandle handle, byte* buffer, nuint count, long offset);
}
