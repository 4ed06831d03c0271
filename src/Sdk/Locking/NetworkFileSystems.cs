using System.Runtime.InteropServices;
using Stagecraft.IO.Native;

namespace Stagecraft.Locking;

/// <summary>
/// Recognises network file systems from the Linux <c>statfs</c> magic number. Elsewhere it reports
/// nothing: macOS and Windows lock files on network shares are not detected (documented limitation).
/// </summary>
internal static class NetworkFileSystems
{
    // From linux/magic.h and the file systems' own headers.
    private static readonly (uint Magic, string Name)[] Known =
    [
        (0x6969, "nfs"),
        (0x517B, "smb"),
        (0xFF534D42, "cifs"),
        (0xFE534D42, "smb2"),
        (0x01021997, "9p"),
        (0x5346414F, "afs"),
        (0x73757245, "coda"),
        (0x564C, "ncp"),
        (0x00C36400, "ceph"),
    ];

    /// <summary>The network file system's name when <paramref name="file"/> lives on one, otherwise <see langword="null"/>.</summary>
    public static unsafe string? Detect(SafeHandle file, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // struct statfs is 120 bytes on 64-bit Linux and 64 on 32-bit; f_type is its first word.
        var buffer = stackalloc byte[256];
        if (LibC.Fstatfs(file, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new FileLockException($"fstatfs on lock file '{path}' failed ({LibC.Describe(errno)}).", path, errno);
        }

        var magic = unchecked((uint)*(nint*)buffer);
        foreach (var (known, name) in Known)
        {
            if (known == magic)
            {
                return name;
            }
        }

        return null;
    }
}
