using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Stagecraft.IO.Native;

/// <summary>Windows byte-range locks for <c>FileLock</c> (locks one byte at offset 0, exclusively).</summary>
internal static partial class Kernel32
{
    internal const uint LOCKFILE_FAIL_IMMEDIATELY = 0x1;
    internal const uint LOCKFILE_EXCLUSIVE_LOCK = 0x2;
    internal const int ERROR_LOCK_VIOLATION = 33;
    internal const int ERROR_IO_PENDING = 997;

    [LibraryImport("kernel32.dll", EntryPoint = "LockFileEx", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static unsafe partial bool LockFileEx(SafeFileHandle file, uint flags, uint reserved, uint bytesLow, uint bytesHigh, NativeOverlapped* overlapped);

    [LibraryImport("kernel32.dll", EntryPoint = "UnlockFileEx", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static unsafe partial bool UnlockFileEx(SafeFileHandle file, uint reserved, uint bytesLow, uint bytesHigh, NativeOverlapped* overlapped);
}
