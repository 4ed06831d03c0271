using System.Globalization;

namespace Stagecraft.Local.Processes;

/// <summary>The fields of <c>/proc/{pid}/stat</c> that Stagecraft uses.</summary>
/// <param name="Pid">Field 1.</param>
/// <param name="State">Field 3: R, S, D, Z (zombie), T, X (dead), ...</param>
/// <param name="ParentPid">Field 4.</param>
/// <param name="ProcessGroupId">Field 5.</param>
/// <param name="SessionId">Field 6.</param>
/// <param name="StartTicks">Field 22: start time in clock ticks since boot.</param>
internal readonly record struct ProcStat(int Pid, char State, int ParentPid, int ProcessGroupId, int SessionId, long StartTicks)
{
    /// <summary>Zombies and dead tasks have exited; only their parent's wait() is missing.</summary>
    public bool HasExited => State is 'Z' or 'X' or 'x';

    /// <summary>Parses the stat line. The command name (field 2) may contain spaces and ')', so fields are counted after the last ')'.</summary>
    public static ProcStat? Parse(string text)
    {
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open <= 0 || close < open)
        {
            return null;
        }

        var rest = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // rest[0] is field 3; field N is rest[N - 3].
        if (rest.Length < 20
            || !int.TryParse(text.AsSpan(0, open).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !int.TryParse(rest[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ppid)
            || !int.TryParse(rest[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var pgrp)
            || !int.TryParse(rest[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sid)
            || !long.TryParse(rest[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        return new ProcStat(pid, rest[0][0], ppid, pgrp, sid, start);
    }
}
