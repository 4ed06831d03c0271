using System.Globalization;
using System.Text;

namespace Stagecraft.References;

/// <summary>Names the upload-back shard of a worker process: <c>&lt;host&gt;-&lt;pid&gt;</c>.</summary>
public static class ReferenceShard
{
    /// <summary>
    /// This process's shard: the host name and process id, with any character other than ASCII letters, digits,
    /// <c>.</c>, <c>_</c> and <c>-</c> replaced by <c>_</c>. A replacement worker on the same host gets a new shard,
    /// so it never overwrites (or is mistaken for) the slices of the process it replaces.
    /// </summary>
    public static string ForCurrentProcess() => For(Environment.MachineName, Environment.ProcessId);

    /// <summary>The shard name of <paramref name="host"/> and <paramref name="processId"/>.</summary>
    public static string For(string host, int processId)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        var sb = new StringBuilder(host.Length + 12);
        foreach (var c in host)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        }

        return sb.Append('-').Append(processId.ToString(CultureInfo.InvariantCulture)).ToString();
    }
}
