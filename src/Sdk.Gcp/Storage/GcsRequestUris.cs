using System.Globalization;
using System.Text;

namespace Stagecraft.Gcp.Storage;

/// <summary>Builds the JSON API's request URIs for one bucket. Object names are percent-encoded whole (<c>/</c> becomes <c>%2F</c>).</summary>
internal sealed class GcsRequestUris(Uri baseUri, string bucket)
{
    private readonly string _objects = $"{baseUri.AbsoluteUri}storage/v1/b/{Uri.EscapeDataString(bucket)}/o";
    private readonly string _uploads = $"{baseUri.AbsoluteUri}upload/storage/v1/b/{Uri.EscapeDataString(bucket)}/o";
    private readonly string _bucketSegment = Uri.EscapeDataString(bucket);

    public Uri Object(string key, long? ifGenerationMatch = null) =>
        Build($"{_objects}/{Uri.EscapeDataString(key)}", ("ifGenerationMatch", ifGenerationMatch));

    public Uri Media(string key, long generation) =>
        Build($"{_objects}/{Uri.EscapeDataString(key)}", ("alt", "media"), ("generation", generation));

    public Uri List(string prefix, string? delimiter, string? pageToken, int? maxResults) =>
        Build(_objects, ("prefix", prefix.Length == 0 ? null : prefix), ("delimiter", delimiter), ("pageToken", pageToken), ("maxResults", maxResults));

    public Uri MultipartUpload(long? ifGenerationMatch) =>
        Build(_uploads, ("uploadType", "multipart"), ("ifGenerationMatch", ifGenerationMatch));

    public Uri ResumableUpload(string key, long? ifGenerationMatch) =>
        Build(_uploads, ("uploadType", "resumable"), ("name", key), ("ifGenerationMatch", ifGenerationMatch));

    public Uri Rewrite(string sourceKey, long sourceGeneration, string destinationKey, long? ifGenerationMatch, long? ifSourceGenerationMatch, string? rewriteToken) =>
        Build(
            $"{_objects}/{Uri.EscapeDataString(sourceKey)}/rewriteTo/b/{_bucketSegment}/o/{Uri.EscapeDataString(destinationKey)}",
            ("sourceGeneration", sourceGeneration),
            ("ifGenerationMatch", ifGenerationMatch),
            ("ifSourceGenerationMatch", ifSourceGenerationMatch),
            ("rewriteToken", rewriteToken));

    private static Uri Build(string path, params (string Name, object? Value)[] query)
    {
        var sb = new StringBuilder(path);
        var separator = '?';
        foreach (var (name, value) in query)
        {
            if (value is null)
            {
                continue;
            }

            var text = value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value.ToString()!;
            sb.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(text));
            separator = '&';
        }

        return new Uri(sb.ToString());
    }
}
