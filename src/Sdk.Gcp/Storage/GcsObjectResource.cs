using System.Text.Json.Serialization;

namespace Stagecraft.Gcp.Storage;

/// <summary>The JSON API's object resource (the fields Stagecraft reads). int64 fields arrive as JSON strings.</summary>
internal sealed class GcsObjectResource
{
    public string Name { get; set; } = string.Empty;

    public string? Bucket { get; set; }

    public long Generation { get; set; }

    public long Metageneration { get; set; }

    public long Size { get; set; }

    public DateTimeOffset Updated { get; set; }

    public string? ContentType { get; set; }

    public string? ContentEncoding { get; set; }

    public Dictionary<string, string>? Metadata { get; set; }

    [JsonPropertyName("md5Hash")]
    public string? Md5Hash { get; set; }

    public string? Crc32c { get; set; }

    /// <summary>The write id Stagecraft stamped on this generation, if any.</summary>
    [JsonIgnore]
    public string? WriteId => Metadata is not null && Metadata.TryGetValue(GcsObjectStorage.WriteIdMetadataKey, out var id) ? id : null;
}

/// <summary>The object fields Stagecraft sends with an upload or a rewrite.</summary>
internal sealed class GcsObjectWriteResource
{
    public string? Name { get; set; }

    public string? ContentType { get; set; }

    public Dictionary<string, string>? Metadata { get; set; }

    public string? Crc32c { get; set; }
}

/// <summary>One page of <c>objects.list</c>.</summary>
internal sealed class GcsListResponse
{
    public List<GcsObjectResource>? Items { get; set; }

    public List<string>? Prefixes { get; set; }

    public string? NextPageToken { get; set; }
}

/// <summary>The answer to one <c>objects.rewrite</c> call; large copies take several calls chained by <see cref="RewriteToken"/>.</summary>
internal sealed class GcsRewriteResponse
{
    public long TotalBytesRewritten { get; set; }

    public long ObjectSize { get; set; }

    public bool Done { get; set; }

    public string? RewriteToken { get; set; }

    public GcsObjectResource? Resource { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GcsObjectResource))]
[JsonSerializable(typeof(GcsObjectWriteResource))]
[JsonSerializable(typeof(GcsListResponse))]
[JsonSerializable(typeof(GcsRewriteResponse))]
internal sealed partial class GcsJsonContext : JsonSerializerContext;
