using System.Text.Json.Serialization;

namespace Stagecraft.Local.Storage;

/// <summary>What an object file records about its content, serialised as JSON in the file's trailer.</summary>
internal sealed record StoredObjectHeader
{
    [JsonPropertyName("key")]
    public required string Key { get; init; }

    [JsonPropertyName("size")]
    public required long Size { get; init; }

    [JsonPropertyName("generation")]
    public required long Generation { get; init; }

    [JsonPropertyName("updated")]
    public required DateTimeOffset Updated { get; init; }

    [JsonPropertyName("contentType")]
    public required string ContentType { get; init; }

    [JsonPropertyName("metadata")]
    public required Dictionary<string, string> Metadata { get; init; }

    [JsonPropertyName("md5")]
    public required string Md5 { get; init; }

    [JsonPropertyName("crc32c")]
    public required string Crc32c { get; init; }
}

[JsonSerializable(typeof(StoredObjectHeader))]
[JsonSourceGenerationOptions(WriteIndented = false)]
internal sealed partial class LocalStorageJsonContext : JsonSerializerContext;
