namespace Stagecraft.Gcp.Storage;

/// <summary>Reads Cloud Storage's <c>x-goog-hash: crc32c=...,md5=...</c> (possibly split over several header lines).</summary>
internal static class GoogleHashHeader
{
    public const string Name = "x-goog-hash";

    public static string? GetCrc32c(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues(Name, out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part.StartsWith("crc32c=", StringComparison.OrdinalIgnoreCase))
                {
                    return part["crc32c=".Length..];
                }
            }
        }

        return null;
    }
}
