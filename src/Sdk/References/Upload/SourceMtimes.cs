using System.Globalization;
using System.Text.Json;
using Stagecraft.Storage.Transfers;

namespace Stagecraft.References;

/// <summary>
/// The <see cref="ReferenceFileNames.SourceMtimes"/> sidecar of an uploaded key slice: a JSON object mapping each
/// uploaded file's relative path (<c>/</c>-separated) to its source last write time (UTC, ISO 8601 round-trip, the
/// format of <see cref="TransferMetadata"/>). It is the slice's manifest: the merge reads only the files it lists.
/// </summary>
internal static class SourceMtimes
{
    public static byte[] Serialize(IReadOnlyDictionary<string, DateTime> mtimes)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, time) in mtimes)
        {
            map[path] = TransferMetadata.FormatLastWriteTime(time);
        }

        return JsonSerializer.SerializeToUtf8Bytes(map, ReferencesJsonContext.Default.SortedDictionaryStringString);
    }

    /// <summary>Parses a sidecar; null with <paramref name="error"/> set when it is not one.</summary>
    public static Dictionary<string, DateTime>? TryParse(ReadOnlySpan<byte> json, out string? error)
    {
        // A plain (ordinal) dictionary: a sorted one would compare paths with the culture's collation, which is slow and may
        // call two different paths equal.
        Dictionary<string, string>? map;
        try
        {
            map = JsonSerializer.Deserialize(json, ReferencesJsonContext.Default.DictionaryStringString);
        }
        catch (JsonException e)
        {
            error = $"{ReferenceFileNames.SourceMtimes} is not a JSON object of path to time ({e.Message})";
            return null;
        }

        if (map is null)
        {
            error = $"{ReferenceFileNames.SourceMtimes} is null";
            return null;
        }

        var result = new Dictionary<string, DateTime>(map.Count, StringComparer.Ordinal);
        foreach (var (path, text) in map)
        {
            if (!DateTime.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time) || time.Kind != DateTimeKind.Utc)
            {
                error = $"{ReferenceFileNames.SourceMtimes} has '{text}' for '{path}', not a UTC ISO 8601 time";
                return null;
            }

            result[path] = time;
        }

        error = null;
        return result;
    }
}
