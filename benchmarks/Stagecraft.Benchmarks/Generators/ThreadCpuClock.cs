using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Stagecraft.Benchmarks.Generators;

/// <summary>
/// CPU time consumed by the calling thread. On a shared, oversubscribed machine wall-clock time mostly measures the
/// wait for a core; the thread's own CPU time measures the work. Linux uses <c>getrusage(RUSAGE_THREAD)</c>; other
/// systems fall back to process CPU time (which also counts other threads, so it reads high).
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int RusageThread = 1;

    public static bool IsPerThread { get; } = OperatingSystem.IsLinux();

    /// <summary>Milliseconds of CPU (user + system) used so far.</summary>
    public static double Milliseconds()
    {
        if (IsPerThread && GetRUsage(RusageThread, out var usage) == 0)
        {
            return ((usage.UserSeconds + usage.SystemSeconds) * 1000.0) + ((usage.UserMicroseconds + usage.SystemMicroseconds) / 1000.0);
        }

        return Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRUsage(int who, out RUsage usage);

    /// <summary>The leading part of <c>struct rusage</c> (64-bit Linux), padded to its full size.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        private readonly long _maxrss, _ixrss, _idrss, _isrss, _minflt, _majflt, _nswap, _inblock, _oublock, _msgsnd, _msgrcv, _nsignals, _nvcsw, _nivcsw;
    }
}
