using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Stagecraft.Gcp.Emulation.Compute;

/// <summary>
/// What Compute Engine checks on <c>instances.insert</c> before creating anything (from the API reference): a machine
/// type, a boot disk, a network interface; at most 64 labels with keys <c>[a-z][a-z0-9_-]{0,62}</c> and values
/// <c>[a-z0-9_-]{0,63}</c>; metadata keys <c>[a-zA-Z0-9-_]+</c> under 128 bytes, values at most 256 KiB, all keys
/// and values together under 512 KB. The fake refuses what Google would, so no test passes with a request it rejects.
/// </summary>
internal static partial class InsertFindings
{
    public const int MaxLabels = 64;
    public const int MaxMetadataBytes = 512 * 1024;
    public const int MaxMetadataValueBytes = 256 * 1024;

    public static (string Reason, string Message)? Check(JsonObject body)
    {
        if (body["machineType"]?.GetValue<string>() is not { Length: > 0 })
        {
            return Required("resource.machineType");
        }

        if (body["disks"] is not JsonArray { Count: > 0 } disks || !disks.Any(d => d?["boot"]?.GetValue<bool>() == true))
        {
            return Required("resource.disks");
        }

        if (body["networkInterfaces"] is not JsonArray { Count: > 0 })
        {
            return Required("resource.networkInterfaces");
        }

        if (body["labels"] is JsonObject labels)
        {
            if (labels.Count > MaxLabels)
            {
                return ("invalid", string.Create(CultureInfo.InvariantCulture, $"Invalid value for field 'resource.labels': ''. Resource has too many labels ({labels.Count}); the maximum is {MaxLabels}."));
            }

            foreach (var (key, value) in labels)
            {
                if (!LabelKey().IsMatch(key))
                {
                    return ("invalid", $"Invalid value for field 'resource.labels': '{key}'. Label key must match '[a-z][a-z0-9_-]{{0,62}}'.");
                }

                if (value?.GetValue<string>() is not { } text || !LabelValue().IsMatch(text))
                {
                    return ("invalid", $"Invalid value for field 'resource.labels[{key}]': '{value}'. Label value must match '[a-z0-9_-]{{0,63}}'.");
                }
            }
        }

        long total = 0;
        foreach (var item in body["metadata"]?["items"]?.AsArray() ?? [])
        {
            var key = item?["key"]?.GetValue<string>() ?? string.Empty;
            var value = item?["value"]?.GetValue<string>() ?? string.Empty;
            if (!MetadataKey().IsMatch(key) || Encoding.UTF8.GetByteCount(key) >= 128)
            {
                return ("invalid", $"Invalid value for field 'resource.metadata.items[].key': '{key}'. Must match '[a-zA-Z0-9-_]+' and be under 128 bytes.");
            }

            var valueBytes = Encoding.UTF8.GetByteCount(value);
            if (valueBytes > MaxMetadataValueBytes)
            {
                return ("invalid", string.Create(CultureInfo.InvariantCulture, $"Invalid value for field 'resource.metadata.items[{key}].value': {valueBytes} bytes, more than {MaxMetadataValueBytes}."));
            }

            total += Encoding.UTF8.GetByteCount(key) + valueBytes;
        }

        return total >= MaxMetadataBytes
            ? ("invalid", string.Create(CultureInfo.InvariantCulture, $"Invalid value for field 'resource.metadata': metadata totals {total} bytes; it must be less than {MaxMetadataBytes}."))
            : null;
    }

    private static (string, string) Required(string field) => ("required", $"Required field '{field}' not specified");

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,62}$")]
    private static partial Regex LabelKey();

    [GeneratedRegex("^[a-z0-9_-]{0,63}$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[a-zA-Z0-9_-]+$")]
    private static partial Regex MetadataKey();
}
