using System.Diagnostics;
using System.Globalization;

namespace Stagecraft.Testing;

/// <summary>
/// Start information for a child process that a test interrupts with SIGINT. A test run started in the background by a
/// non-interactive shell inherits SIGINT as ignored, and an ignored SIGINT stays ignored across exec (the .NET runtime
/// then installs no handler), so such a child would never see the signal. When this process ignores SIGINT, the child
/// is started through <c>env --default-signal=INT</c>, which gives it the default disposition back, as from a terminal.
/// </summary>
public static class InterruptibleStart
{
    /// <summary>Whether this process ignores SIGINT (bit 1 of <c>SigIgn</c> in <c>/proc/self/status</c>).</summary>
    public static bool SigIntIgnored { get; } = File.Exists("/proc/self/status")
        && File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) is { } line
        && (ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & 0x2) != 0;

    /// <summary>A <see cref="ProcessStartInfo"/> for <paramref name="program"/>; add its arguments to <see cref="ProcessStartInfo.ArgumentList"/> after these.</summary>
    public static ProcessStartInfo For(string program)
    {
        if (!SigIntIgnored)
        {
            return new ProcessStartInfo(program);
        }

        var info = new ProcessStartInfo("env");
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add(program);
        return info;
    }
}
