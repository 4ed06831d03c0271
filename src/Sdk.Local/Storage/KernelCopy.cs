using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Stagecraft.Local.Storage;

/// <summary>Linux <c>copy_file_range(2)</c>: copies between two files inside the kernel, without a user-space buffer.</summary>
internal static partial class KernelCopy
{
    /// <summary>
    /// Copies up to <paramref name="count"/> bytes from <paramref name="source"/> at <paramref name="sourceOffset"/> to
    /// <paramref name="destination"/> at <paramref name="destinationOffset"/> (neither file position moves). Returns the
    /// bytes copied, or -1 when the kernel cannot copy between these files (the caller copies another way).
    /// </summary>
    public static long CopyFileRange(SafeFileHandle source, long sourceOffset, SafeFileHandle destination, long destinationOffset, long count)
    {
        var copied = CopyFileRangeRaw(source, ref sourceOffset, destination, ref destinationOffset, (nuint)Math.Min(count, 1L << 30), 0);
        return copied >= 0 ? copied : -1;
    }

    [LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial nint CopyFileRangeRaw(SafeFileHandle input, ref long inputOffset, SafeFileHandle output, ref long outputOffset, nuint length, uint flags);
}
