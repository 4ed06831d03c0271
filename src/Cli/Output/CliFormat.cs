using System.Globalization;

namespace Stagecraft.Cli.Output;

/// <summary>How times, durations and sizes read in tables: invariant, UTC, compact.</summary>
internal static class CliFormat
{
    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    public static string Duration(TimeSpan? duration) => duration switch
    {
        null => "-",
        { TotalSeconds: < 60 } d => d.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + "s",
        { TotalHours: < 1 } d => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes}m{d.Seconds:00}s"),
        var d => string.Create(CultureInfo.InvariantCulture, $"{(int)d.Value.TotalHours}h{d.Value.Minutes:00}m"),
    };

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}
