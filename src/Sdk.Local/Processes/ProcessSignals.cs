using System.Globalization;
using System.Runtime.InteropServices;

namespace Stagecraft.Local.Processes;

/// <summary>
/// The one place that calls <c>kill(2)</c>. It refuses pid 0 (the caller's own process group), negative pids (a group
/// given where a process was meant), 1 (init; and <c>kill(-1)</c> is "every process you may signal") and an unset pid —
/// the seed bug <c>kill ${PID:-0}</c> signalled the supervisor's whole group. Groups are addressed only through
/// <see cref="SendToGroup"/>, which negates a validated positive id itself.
/// </summary>
internal static partial class ProcessSignals
{
    private const int Esrch = 3;

    /// <summary>Signals one process. False when it does not exist.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pid"/> is 1 or less.</exception>
    /// <exception cref="System.ComponentModel.Win32Exception">kill failed for another reason (e.g. EPERM).</exception>
    public static bool Send(int pid, PosixSignal signal) => Kill(EnsureTarget(pid, nameof(pid)), signal);

    /// <summary>Signals every process in a process group (<c>kill(-pgid)</c>). False when the group is empty.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="processGroupId"/> is 1 or less.</exception>
    public static bool SendToGroup(int processGroupId, PosixSignal signal) => Kill(-EnsureTarget(processGroupId, nameof(processGroupId)), signal);

    /// <summary>Whether a process with this pid exists (it may be a zombie).</summary>
    public static bool Exists(int pid) => pid > 1 && Send(pid, PosixSignal.Probe);

    /// <summary>The guard. Every signal goes through here.</summary>
    internal static int EnsureTarget(int pid, string paramName)
    {
        if (pid <= 1)
        {
            throw new ArgumentOutOfRangeException(
                paramName,
                pid,
                string.Create(CultureInfo.InvariantCulture, $"Refusing to signal pid {pid}: 0 is the caller's own process group, 1 is init, negative ids are groups, and an unset pid reads as 0."));
        }

        return pid;
    }

    private static bool Kill(int target, PosixSignal signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            throw new PlatformNotSupportedException("Process signals need a Unix kernel.");
        }

        if (NativeKill(target, (int)signal) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Esrch
            ? false
            : throw new System.ComponentModel.Win32Exception(errno, string.Create(CultureInfo.InvariantCulture, $"kill({target}, {signal}) failed with errno {errno}."));
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int NativeKill(int pid, int signal);
}
