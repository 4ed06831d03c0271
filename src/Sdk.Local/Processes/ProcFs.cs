using System.Globalization;
using System.Text;
using Stagecraft.InFlight;

namespace Stagecraft.Local.Processes;

/// <summary>Reads process facts from Linux procfs. Every read tolerates the process vanishing mid-way (returns null).</summary>
internal static class ProcFs
{
    private static readonly Lazy<string> CachedBootId = new(() =>
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    });

    /// <summary>This boot's id; pairs with start ticks, which restart from zero at every boot.</summary>
    public static string BootId => CachedBootId.Value;

    public static ProcStat? ReadStat(int pid) =>
        pid <= 0 ? null : TryRead(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"), File.ReadAllText) is { } text ? ProcStat.Parse(text) : null;

    /// <summary>The command line with arguments joined by single spaces; empty for kernel threads; null when gone.</summary>
    public static string? ReadCommandLine(int pid)
    {
        var bytes = TryRead(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/cmdline"), File.ReadAllBytes);
        if (bytes is null)
        {
            return null;
        }

        var length = bytes.Length;
        while (length > 0 && bytes[length - 1] == 0)
        {
            length--;
        }

        var text = Encoding.UTF8.GetString(bytes, 0, length);
        return text.Replace('\0', ' ');
    }

    /// <summary>The identity of a live (non-zombie) process, read so that a pid recycled between the reads is detected.</summary>
    public static ProcessIdentity? ReadIdentity(int pid)
    {
        if (ReadStat(pid) is not { HasExited: false } before || ReadCommandLine(pid) is not { } commandLine)
        {
            return null;
        }

        // The pid may have been recycled between the two reads: confirm it is the same process after reading cmdline.
        return ReadStat(pid) is { HasExited: false } after && after.StartTicks == before.StartTicks
            ? new ProcessIdentity(pid, before.StartTicks, BootId, commandLine)
            : null;
    }

    /// <summary>Every pid currently in /proc.</summary>
    public static List<int> ListPids()
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir.AsSpan()), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    /// <summary>A snapshot of every process's stat line, for walking trees.</summary>
    public static Dictionary<int, ProcStat> Snapshot()
    {
        var result = new Dictionary<int, ProcStat>();
        foreach (var pid in ListPids())
        {
            if (ReadStat(pid) is { } stat)
            {
                result[pid] = stat;
            }
        }

        return result;
    }

    private static T? TryRead<T>(string path, Func<string, T> read)
        where T : class
    {
        try
        {
            return read(path);
        }
        catch (IOException)
        {
            return null; // includes FileNotFound/DirectoryNotFound: the process exited
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
