using System.Runtime.InteropServices;

namespace Stagecraft.IO.Native;

/// <summary>A raw Unix file descriptor from <see cref="LibC.Open"/>, closed exactly once.</summary>
internal sealed class SafeFileDescriptor : SafeHandle
{
    public SafeFileDescriptor()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    public SafeFileDescriptor(int fd)
        : this() => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    public int Value => (int)handle;

    // close(2) must not be retried on EINTR: on Linux the descriptor is already gone.
    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;
}
