using System.Buffers.Text;
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
    /// <remarks>
    /// One pass of a JSON reader straight into the result: a merge reads a sidecar per slice, thousands of entries in
    /// all, and building a string for each time only to parse it was a tenth of the merge's CPU. Paths go into a plain
    /// (ordinal) dictionary: a sorted one would compare them with the culture's collation, which is slow and may call
    /// two different paths equal. A path listed twice keeps its last time, as a dictionary deserialiser would.
    /// </remarks>
    public static Dictionary<string, DateTime>? TryParse(ReadOnlySpan<byte> json, out string? error)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType == JsonTokenType.Null)
            {
                error = $"{ReferenceFileNames.SourceMtimes} is null";
                return null;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException($"expected an object, found {reader.TokenType}");
            }

            var result = new Dictionary<string, DateTime>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var path = reader.GetString()!;
                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    throw new JsonException($"the value of '{path}' is not a string");
                }

                if (!TryParseTime(ref reader, out var time))
                {
                    error = $"{ReferenceFileNames.SourceMtimes} has '{reader.GetString()}' for '{path}', not a UTC ISO 8601 time";
                    return null;
                }

                result[path] = time;
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new JsonException("the object does not end where the document does");
            }

            error = null;
            return result;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            error = $"{ReferenceFileNames.SourceMtimes} is not a JSON object of path to time ({e.Message})";
            return null;
        }
    }

    /// <summary>
    /// The round-trip ("O") UTC time at the reader. What <see cref="TransferMetadata.FormatLastWriteTime"/> writes —
    /// <c>yyyy-MM-ddTHH:mm:ss.fffffffZ</c>, 28 bytes without escapes — is parsed from the bytes; anything else goes the
    /// way of a string and <see cref="DateTime.TryParseExact(string, string, IFormatProvider, DateTimeStyles, out DateTime)"/>.
    /// </summary>
    private static bool TryParseTime(ref Utf8JsonReader reader, out DateTime time)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence && reader.ValueSpan is { Length: 28 } bytes && bytes[^1] == (byte)'Z'
            && Utf8Parser.TryParse(bytes, out time, out var consumed, 'O') && consumed == bytes.Length && time.Kind == DateTimeKind.Utc)
        {
            return true;
        }

        return DateTime.TryParseExact(reader.GetString(), "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out time) && time.Kind == DateTimeKind.Utc;
    }
}
