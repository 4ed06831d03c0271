using System.Text.Json.Serialization;

namespace Stagecraft.InFlight;

/// <summary>
/// A process as it was when recorded: its pid plus what makes that pid unambiguous — the kernel's start time (clock ticks
/// since boot), the boot it belongs to, and its command line. A pid is recycled after its process exits; a recycled pid
/// never matches all of these, so a stale record can never get an unrelated process killed.
/// </summary>
/// <param name="Pid">The process id (always greater than 1: pid 0 and 1 are never recorded).</param>
/// <param name="StartTicks">Start time in clock ticks since boot (<c>/proc/{pid}/stat</c> field 22 on Linux).</param>
/// <param name="BootId">The kernel boot id (<c>/proc/sys/kernel/random/boot_id</c>), or empty when the platform has none.</param>
/// <param name="CommandLine">The arguments joined by single spaces (<c>/proc/{pid}/cmdline</c>).</param>
public sealed record ProcessIdentity(
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("startTicks")] long StartTicks,
    [property: JsonPropertyName("bootId")] string BootId,
    [property: JsonPropertyName("commandLine")] string CommandLine)
{
    /// <summary>True when <paramref name="current"/> (read now) is the same process as this record.</summary>
    public bool IsSameProcessAs(ProcessIdentity? current) =>
        current is not null
        && current.Pid == Pid
        && current.StartTicks == StartTicks
        && string.Equals(current.BootId, BootId, StringComparison.Ordinal)
        && string.Equals(current.CommandLine, CommandLine, StringComparison.Ordinal);

    public override string ToString() => $"pid {Pid} (start {StartTicks}): {CommandLine}";
}
