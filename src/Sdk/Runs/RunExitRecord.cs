using System.Globalization;

namespace Stagecraft.Runs;

/// <summary>
/// The content of a run's exit-code object (<see cref="RunPaths.ExitCode"/>): the single source of truth for a finished
/// run's status. The machine's state is never consulted once this exists (a reused VM stays up after its job ends).
/// </summary>
/// <remarks>
/// The wire format is one ASCII line, <c>{code} {reason}</c>, e.g. <c>0 exited</c> or <c>143 terminated</c>, so a shell
/// script on the machine can write it with <c>printf</c>. A bare <c>{code}</c> is read as <see cref="RunExitReason.Exited"/>.
/// </remarks>
public sealed record RunExitRecord
{
    /// <summary>The most bytes an exit-code object may have; anything longer is not ours.</summary>
    public const int MaxEncodedLength = 64;

    public RunExitRecord(int exitCode, RunExitReason reason = RunExitReason.Exited)
    {
        if (!Enum.IsDefined(reason))
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "Unknown exit reason.");
        }

        ExitCode = exitCode;
        Reason = reason;
    }

    /// <summary>The command's exit code (on Unix a shell reports death by signal N as 128 + N).</summary>
    public int ExitCode { get; }

    public RunExitReason Reason { get; }

    /// <summary>The token written for <paramref name="reason"/>; shell scripts write the same words.</summary>
    internal static string ReasonToken(RunExitReason reason) => reason switch
    {
        RunExitReason.Exited => "exited",
        RunExitReason.Terminated => "terminated",
        RunExitReason.TimedOut => "timeout",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Unknown exit reason."),
    };

    /// <summary>The object content: <c>{code} {reason}\n</c>.</summary>
    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{ExitCode} {ReasonToken(Reason)}\n");

    /// <summary>Parses an exit-code object; throws <see cref="FormatException"/> quoting the content when it is not one.</summary>
    public static RunExitRecord Parse(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return TryParse(content, out var record)
            ? record
            : throw new FormatException($"Not an exit-code record: '{Printable(content)}' (expected '<code> <exited|terminated|timeout>').");
    }

    public static bool TryParse(string? content, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RunExitRecord? record)
    {
        record = null;
        if (content is null || content.Length > MaxEncodedLength)
        {
            return false;
        }

        var line = content.TrimEnd('\n', '\r');
        var parts = line.Split(' ');
        if (parts.Length is < 1 or > 2
            || !int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code))
        {
            return false;
        }

        RunExitReason? reason = parts.Length == 1 ? RunExitReason.Exited : parts[1] switch
        {
            "exited" => RunExitReason.Exited,
            "terminated" => RunExitReason.Terminated,
            "timeout" => RunExitReason.TimedOut,
            _ => null,
        };
        if (reason is null)
        {
            return false;
        }

        record = new RunExitRecord(code, reason.Value);
        return true;
    }

    /// <summary>
    /// The one mapping from exit record to status: 0 → Succeeded, terminate → Terminated, timeout or non-zero → Failed
    /// (with the signal named when the code is 128 + a signal number).
    /// </summary>
    public RunStatus ToStatus() => Reason switch
    {
        RunExitReason.Terminated => new RunStatus(RunState.Terminated, ExitCode, $"Terminated on request ({Describe(ExitCode)})."),
        RunExitReason.TimedOut => new RunStatus(RunState.Failed, ExitCode, $"Timed out: stopped by the run's timeout ({Describe(ExitCode)})."),
        _ when ExitCode == 0 => new RunStatus(RunState.Succeeded, 0, "Exited with code 0."),
        _ => new RunStatus(RunState.Failed, ExitCode, Describe(ExitCode) + "."),
    };

    private static string Describe(int code)
    {
        var signal = code - 128;
        if (signal is >= 1 and <= 64)
        {
            var name = signal switch
            {
                1 => "SIGHUP",
                2 => "SIGINT",
                6 => "SIGABRT",
                9 => "SIGKILL",
                11 => "SIGSEGV",
                13 => "SIGPIPE",
                15 => "SIGTERM",
                _ => "signal " + signal.ToString(CultureInfo.InvariantCulture),
            };
            return string.Create(CultureInfo.InvariantCulture, $"exit code {code}: killed by {name}");
        }

        return string.Create(CultureInfo.InvariantCulture, $"exited with code {code}");
    }

    private static string Printable(string s) =>
        new(s.Take(MaxEncodedLength).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
