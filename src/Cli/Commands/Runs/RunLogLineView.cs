using System.Globalization;
using Stagecraft.Runs.Logs;

namespace Stagecraft.Cli.Commands.Runs;

/// <summary>
/// How <c>runs logs</c> shows one stored log line: ordinary text as it is, and the reserved control lines
/// (<see cref="RunLogControlLine"/>) a worker writes for its coordinator in a form a person reads — progress as a
/// percentage, a structured log entry as its level and message — instead of the raw record-separator protocol.
/// Control lines of a kind this tool does not know are left out: they are for programs, not people.
/// </summary>
internal readonly record struct RunLogLineView(string? Text, double? Progress, string? Level)
{
    /// <summary>Reads a line (without its line break).</summary>
    public static RunLogLineView Of(string line)
    {
        var content = line.EndsWith('\r') ? line[..^1] : line;
        if (RunLogControlLine.TryParseProgress(content, out var progress))
        {
            return new RunLogLineView(null, progress, null);
        }

        if (RunLogControlLine.TryParseLog(content, out var level, out var message))
        {
            return new RunLogLineView(message, null, level);
        }

        return RunLogControlLine.TryParse(content, out _, out _) ? default : new RunLogLineView(line, null, null);
    }

    /// <summary>False for a control line of an unknown kind, which is not shown.</summary>
    public bool IsShown => Text is not null || Progress is not null;

    /// <summary>The line as printed: text as it is, <c>[progress 42%]</c>, or <c>[Warning] message</c>.</summary>
    public string Render() => Progress is { } value
        ? string.Create(CultureInfo.InvariantCulture, $"[progress {value * 100:0.#}%]")
        : Level is { } level ? $"[{level}] {Text}" : Text ?? string.Empty;
}
