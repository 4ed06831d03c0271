using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Stagecraft.Pipelines;

/// <summary>Who executes a run, and whether a recorded owner is still alive (the rule a resume checks before taking a run over).</summary>
internal static class RunOwnership
{
    /// <summary>A new owner id for one execution in this process: <c>{host}:{process id}:{random}</c>.</summary>
    public static string NewOwnerId(string host) =>
        string.Create(CultureInfo.InvariantCulture, $"{host}:{Environment.ProcessId}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");

    /// <summary>
    /// True while the owner's heartbeat is younger than <paramref name="leaseTimeout"/>, unless the owner ran on this
    /// host and its process is gone (then it is dead at once: nobody else could be writing the record).
    /// </summary>
    public static bool IsAlive(PipelineRunOwner owner, string thisHost, DateTimeOffset now, TimeSpan leaseTimeout)
    {
        if (string.Equals(owner.Host, thisHost, StringComparison.Ordinal) && !ProcessExists(owner.ProcessId))
        {
            return false;
        }

        return now - owner.Heartbeat < leaseTimeout;
    }

    private static bool ProcessExists(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // No process has that id.
        }
        catch (InvalidOperationException)
        {
            return false; // It exited while being looked up.
        }
    }
}
