using System.Diagnostics;

namespace Stagecraft.Benchmarks.References;

/// <summary>
/// The CPU time the whole process spent in a measured window (all threads, user and kernel): on a machine shared with
/// other work, wall time also counts the wait for a core; CPU time does not.
/// </summary>
internal readonly struct ProcessCpu
{
    private readonly TimeSpan _start;

    private ProcessCpu(TimeSpan start) => _start = start;

    /// <summary>The CPU time of the last window closed with <see cref="Stop"/>, in milliseconds.</summary>
    public static double LastMilliseconds { get; private set; }

    public static ProcessCpu Start() => new(Process.GetCurrentProcess().TotalProcessorTime);

    public void Stop() => LastMilliseconds = (Process.GetCurrentProcess().TotalProcessorTime - _start).TotalMilliseconds;
}
