using System.Globalization;

namespace Stagecraft.Storage.Transfers;

/// <summary>The object metadata that directory transfers write and read.</summary>
public static class TransferMetadata
{
    /// <summary>
    /// The metadata key holding the source file's last write time (UTC, ISO 8601 round-trip format with
    /// 100 ns precision), written on upload and restored on download.
    /// </summary>
    public const string LastWriteTimeKey = "stagecraft-mtime";

    /// <summary>Formats a last write time as stored under <see cref="LastWriteTimeKey"/>.</summary>
    public static string FormatLastWriteTime(DateTime lastWriteTimeUtc) =>
        DateTime.SpecifyKind(lastWriteTimeUtc.ToUniversalTime(), DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Reads the last write time stored in <paramref name="metadata"/>, if it is there and well-formed.</summary>
    public static bool TryGetLastWriteTime(IReadOnlyDictionary<string, string> metadata, out DateTime lastWriteTimeUtc)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.TryGetValue(LastWriteTimeKey, out var text)
            && DateTime.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
            && parsed.Kind == DateTimeKind.Utc)
        {
            lastWriteTimeUtc = parsed;
            return true;
        }

        lastWriteTimeUtc = default;
        return false;
    }
}
