using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Stagecraft.Runs.Logs;

/// <summary>
/// The one reserved line format a run's command may write to its stdout for the process that watches it: structured
/// messages (a stage's progress) that travel through the same numbered log chunks as every other line, in order with
/// them, and that readers which understand them take out of the log text.
/// </summary>
/// <remarks>
/// <para>
/// Wire format: one whole line, <c>\u001E stagecraft:{kind} {payload}</c> without the space after the marker: the ASCII
/// record separator (U+001E), the literal <c>stagecraft:</c>, a kind of lower-case letters and '-', one space, and the
/// payload (no line breaks). Ordinary program output practically never starts with U+001E, so a line is a control
/// line only when it matches exactly; anything else, including a malformed control line, is log text.
/// </para>
/// <para>
/// Kinds defined so far: <c>progress</c> with an invariant-culture number in [0, 1] (<see cref="Progress"/>,
/// <see cref="TryParseProgress"/>), and <c>log</c> with a JSON object of a level name and a message (<see cref="Log"/>,
/// <see cref="TryParseLog"/>). A reader that meets an unknown kind ignores it, so new kinds can be added without
/// breaking older watchers.
/// </para>
/// </remarks>
public static class RunLogControlLine
{
    /// <summary>The first character of every control line: ASCII record separator.</summary>
    public const char Marker = '\u001E';

    /// <summary>The text after <see cref="Marker"/> that names the protocol.</summary>
    public const string Prefix = "stagecraft:";

    /// <summary>The kind of a stage-progress line.</summary>
    public const string ProgressKind = "progress";

    /// <summary>The kind of a structured log line: a JSON object <c>{"level":"Warning","message":"…"}</c> (JSON, so a message may span lines).</summary>
    public const string LogKind = "log";

    /// <summary>The longest kind accepted.</summary>
    public const int MaxKindLength = 32;

    /// <summary>Formats a control line (without the line break).</summary>
    /// <exception cref="ArgumentException">The kind is not lower-case letters and '-', or the payload holds a line break.</exception>
    public static string Format(string kind, string payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (!IsKind(kind))
        {
            throw new ArgumentException($"Control-line kind '{kind}' is invalid: it must be 1 to {MaxKindLength} lower-case letters and '-'.", nameof(kind));
        }

        if (payload.AsSpan().IndexOfAny('\n', '\r') >= 0)
        {
            throw new ArgumentException($"The payload of control line '{kind}' is invalid: it must not contain a line break.", nameof(payload));
        }

        return string.Concat(Marker.ToString(), Prefix, kind, " ", payload);
    }

    /// <summary>Reads a line: true (with its kind and payload) when it is a control line, false when it is log text.</summary>
    public static bool TryParse(string line, out string kind, out string payload)
    {
        kind = string.Empty;
        payload = string.Empty;
        if (line is null || line.Length < 2 + Prefix.Length || line[0] != Marker || !line.AsSpan(1).StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = line.AsSpan(1 + Prefix.Length);
        var space = rest.IndexOf(' ');
        if (space <= 0 || !IsKind(rest[..space].ToString()))
        {
            return false;
        }

        kind = rest[..space].ToString();
        payload = rest[(space + 1)..].ToString();
        return true;
    }

    /// <summary>A <see cref="ProgressKind"/> line reporting <paramref name="value"/> (clamped to [0, 1]).</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is NaN.</exception>
    public static string Progress(double value)
    {
        if (double.IsNaN(value))
        {
            throw new ArgumentException("Progress NaN is invalid: progress is a number in [0, 1].", nameof(value));
        }

        return Format(ProgressKind, Math.Clamp(value, 0, 1).ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>True (with the value in [0, 1]) when <paramref name="line"/> is a well-formed progress line.</summary>
    public static bool TryParseProgress(string line, out double value)
    {
        value = 0;
        if (!TryParse(line, out var kind, out var payload) || kind != ProgressKind
            || !double.TryParse(payload, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || double.IsNaN(parsed))
        {
            return false;
        }

        value = Math.Clamp(parsed, 0, 1);
        return true;
    }

    /// <summary>A <see cref="LogKind"/> line: a log entry of <paramref name="level"/> (a level name such as <c>Warning</c>) whose text may span lines.</summary>
    public static string Log(string level, string message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(level);
        ArgumentNullException.ThrowIfNull(message);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("level", level);
            json.WriteString("message", message);
            json.WriteEndObject();
        }

        return Format(LogKind, Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>True (with the level name and the text) when <paramref name="line"/> is a well-formed log line.</summary>
    public static bool TryParseLog(string line, out string level, out string message)
    {
        level = string.Empty;
        message = string.Empty;
        if (!TryParse(line, out var kind, out var payload) || kind != LogKind)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(payload);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("level", out var l) || l.ValueKind != JsonValueKind.String
                || !document.RootElement.TryGetProperty("message", out var m) || m.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            level = l.GetString()!;
            message = m.GetString()!;
            return level.Length > 0;
        }
        catch (JsonException)
        {
            return false; // Not ours after all: it is log text.
        }
    }

    private static bool IsKind(string? kind) =>
        kind is { Length: > 0 and <= MaxKindLength } && kind.All(c => c is (>= 'a' and <= 'z') or '-');
}
