using System.Diagnostics;
using System.Runtime.InteropServices;
using Stagecraft.IO.Native;

namespace Stagecraft.IO;

/// <summary>Whether the process that left something behind is certainly gone, so its leftovers can be removed at once.</summary>
internal static class ProcessLiveness
{
    /// <summary>
    /// True only when no process has id <paramref name="processId"/>. A live process with that id (perhaps a new one
    /// that reused it) is never called gone, so a leftover is at worst kept, never taken from a running writer.
    /// </summary>
    public static bool IsProvablyGone(int processId)
    {
        if (processId <= 0)
        {
            return false;
        }

        if (!OperatingSystem.IsWindows())
        {
            return LibC.Kill(processId, 0) != 0 && Marshal.GetLastPInvokeError() == LibC.ESRCH;
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
