using System.Globalization;

namespace Stagecraft.Cli.Hosting;

/// <summary>Turns the library's validation of user-given values into usage errors that name the value and the rule.</summary>
internal static class CliInput
{
    public static string RunId(string value, string what = "run id") =>
        Runs.RunId.Explain(value) is { } rule ? throw CliException.Usage($"invalid {what} '{value}': {rule}") : value;

    /// <summary>A duration written as a number and a unit: <c>45s</c>, <c>90m</c>, <c>12h</c>, <c>7d</c>; null when the text is not one.</summary>
    public static TimeSpan? TryDuration(string text)
    {
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount > 1_000_000)
        {
            return null;
        }

        return text[^1] switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => null,
        };
    }

    /// <exception cref="CliException">Usage: the text is not a duration.</exception>
    public static TimeSpan Duration(string what, string text) =>
        TryDuration(text) ?? throw CliException.Usage($"invalid {what} '{text}': it must be a number and a unit, such as 45s, 90m, 12h or 7d");

    /// <summary>An ISO 8601 time, or an age before <paramref name="now"/> (<c>45s</c>, <c>90m</c>, <c>12h</c>, <c>7d</c>).</summary>
    /// <exception cref="CliException">Usage: the text is neither.</exception>
    public static DateTimeOffset PointInTime(string what, string text, DateTimeOffset now)
    {
        if (TryDuration(text) is { } age)
        {
            return now - age;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw CliException.Usage($"invalid {what} '{text}': it must be an ISO 8601 time (2026-01-31T12:00Z) or an age such as 90m, 12h or 7d");
    }

    /// <summary>Runs <paramref name="validate"/>; an <see cref="ArgumentException"/> from it becomes a usage error about <paramref name="what"/>.</summary>
    public static T Check<T>(string what, string value, Func<T> validate)
    {
        try
        {
            return validate();
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage($"invalid {what} '{value}': {Rule(e)}", e);
        }
    }

    /// <summary>The exception's message without the trailing "(Parameter 'x')".</summary>
    public static string Rule(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : e.Message;
}
