using System.Runtime.InteropServices;

namespace Stagecraft.IO.Native;

/// <summary>
/// The few libc calls the hot core needs and .NET does not expose: <c>flock</c>, <c>fsync</c> on a
/// directory, <c>fstatfs</c>, the <c>*at</c> family (writes that never resolve a path through a link), and a plain <c>open</c> (not <see cref="File.OpenHandle"/>, which takes its own
/// advisory <c>flock</c> to emulate <see cref="FileShare"/> and would interfere with ours).
/// </summary>
internal static partial class LibC
{
    private const string Library = "libc";

    internal const int EINTR = 4;

    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;
    internal const int LOCK_UN = 8;

    /// <summary><c>EWOULDBLOCK</c> (= <c>EAGAIN</c>): 11 on Linux, 35 on the BSDs and macOS.</summary>
    internal static int EWOULDBLOCK => OperatingSystem.IsLinux() ? 11 : 35;

    internal const int O_RDONLY = 0;
    internal const int O_RDWR = 2;

    internal static int O_CREAT => OperatingSystem.IsLinux() ? 0x40 : 0x200;

    internal static int O_CLOEXEC => OperatingSystem.IsLinux() ? 0x80000 : OperatingSystem.IsFreeBSD() ? 0x100000 : 0x1000000;

    /// <summary><c>O_DIRECTORY</c>: architecture-dependent on Linux (040000 on ARM, 0200000 on x86).</summary>
    internal static int O_DIRECTORY =>
        OperatingSystem.IsLinux()
            ? RuntimeInformation.OSArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x4000 : 0x10000
            : OperatingSystem.IsFreeBSD() ? 0x20000 : 0x100000;

    /// <summary>Opens a file; <c>open(2)</c> is variadic, see <see cref="OpenVariadicOnStack"/> for Apple ARM64.</summary>
    internal static int Open(string path, int flags, int mode) =>
        OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64
            ? OpenVariadicOnStack(path, flags, 0, 0, 0, 0, 0, 0, mode)
            : OpenFixed(path, flags, mode);

    [LibraryImport(Library, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenFixed(string path, int flags, int mode);

    /// <summary>
    /// Apple's ARM64 ABI passes variadic arguments on the stack: padding the six remaining argument
    /// registers puts <paramref name="mode"/> in the first stack slot, where <c>open</c> reads it.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenVariadicOnStack(string path, int flags, nint r2, nint r3, nint r4, nint r5, nint r6, nint r7, nint mode);

    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int EEXIST = 17;
    internal const int ENOTDIR = 20;

    /// <summary><c>ELOOP</c>: what <c>O_NOFOLLOW</c> reports for a symbolic link (40 on Linux, 62 on the BSDs and macOS).</summary>
    internal static int ELOOP => OperatingSystem.IsLinux() ? 40 : 62;

    internal const int O_WRONLY = 1;

    internal static int O_EXCL => OperatingSystem.IsLinux() ? 0x80 : 0x800;

    /// <summary><c>O_NOFOLLOW</c>: architecture-dependent on Linux (0100000 on ARM, 0400000 on x86).</summary>
    internal static int O_NOFOLLOW =>
        OperatingSystem.IsLinux()
            ? RuntimeInformation.OSArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x8000 : 0x20000
            : 0x100;

    /// <summary>Opens <paramref name="path"/> relative to the directory <paramref name="directoryFd"/>; variadic like <see cref="Open"/>.</summary>
    internal static int OpenAt(SafeHandle directoryFd, string path, int flags, int mode) =>
        OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64
            ? OpenAtVariadicOnStack(directoryFd, path, flags, 0, 0, 0, 0, 0, mode)
            : OpenAtFixed(directoryFd, path, flags, mode);

    [LibraryImport(Library, EntryPoint = "openat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenAtFixed(SafeHandle directoryFd, string path, int flags, int mode);

    [LibraryImport(Library, EntryPoint = "openat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenAtVariadicOnStack(SafeHandle directoryFd, string path, int flags, nint r3, nint r4, nint r5, nint r6, nint r7, nint mode);

    [LibraryImport(Library, EntryPoint = "mkdirat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int MkdirAt(SafeHandle directoryFd, string path, int mode);

    [LibraryImport(Library, EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Mkdir(string path, int mode);

    [LibraryImport(Library, EntryPoint = "renameat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int RenameAt(SafeHandle oldDirectoryFd, string oldPath, SafeHandle newDirectoryFd, string newPath);

    [LibraryImport(Library, EntryPoint = "unlinkat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int UnlinkAt(SafeHandle directoryFd, string path, int flags);

    [LibraryImport(Library, EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint RealPathRaw(string path, nint resolved);

    [LibraryImport(Library, EntryPoint = "free")]
    private static partial void Free(nint pointer);

    /// <summary><c>kill(pid, 0)</c>: 0 when the process exists (and may be signalled), else -1 with errno.</summary>
    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    /// <summary>The canonical path (every link and <c>..</c> resolved), or <see langword="null"/> when it does not resolve.</summary>
    internal static string? RealPath(string path)
    {
        var resolved = RealPathRaw(path, 0);
        if (resolved == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(SafeHandle fd, int operation);

    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(SafeHandle fd);

    /// <summary>Linux only: the first field of <c>struct statfs</c> is <c>f_type</c>, a machine word.</summary>
    [LibraryImport(Library, EntryPoint = "fstatfs", SetLastError = true)]
    internal static unsafe partial int Fstatfs(SafeHandle fd, byte* buffer);

    /// <summary>Linux, 64-bit: <c>futimens</c> with two <c>struct timespec</c> of two machine words each (access, then modification).</summary>
    [LibraryImport(Library, EntryPoint = "futimens", SetLastError = true)]
    internal static unsafe partial int Futimens(SafeHandle fd, long* times);

    /// <summary>Linux: the <c>tv_nsec</c> value that leaves a time as it is.</summary>
    internal const long UTIME_OMIT = (1L << 30) - 2;

    internal static string Describe(int errno) => $"errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)}";
}
