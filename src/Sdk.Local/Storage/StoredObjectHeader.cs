using System.Text.Json.Serialization;

namespace Stagecraft.Local.Storage;

/// <summary>What an object file records about its content, serialised as JSON in the file's trailer.</summary>
internal sealed record StoredObjectHeader
{
    [JsonPropertyName(Names.Key)]
    public required string Key { get; init; }

    [JsonPropertyName(Names.Size)]
    public required long Size { get; init; }

    [JsonPropertyName(Names.Generation)]
    public required long Generation { get; init; }

    [JsonPropertyName(Names.Updated)]
    public required DateTimeOffset Updated { get; init; }

    [JsonPropertyName(Names.ContentType)]
    public required string ContentType { get; init; }

    [JsonPropertyName(Names.Metadata)]
    public required Dictionary<string, string> Metadata { get; init; }

    [JsonPropertyName(Names.Md5)]
    public required string Md5 { get; init; }

    [JsonPropertyName(Names.Crc32c)]
    public required string Crc32c { get; init; }

    /// <summary>
    /// The JSON property names: the one spelling the serializer writes (through <see cref="JsonPropertyNameAttribute"/>)
    /// and <see cref="StoredObjectHeaderReader"/> reads.
    /// </summary>
    internal static class Names
    {
        public const string Key = "key";

        public const string Size = "size";

        public const string Generation = "generation";

        public const string Updated = "updated";

        public const string ContentType = "contentType";

        public const string Metadata = "metadata";

        public const string Md5 = "md5";

        public const string Crc32c = "crc32c";
    }
}

[JsonSerializable(typeof(StoredObjectHeader))]
[JsonSourceGenerationOptions(WriteIndented = false)]
internal sealed partial class LocalStorageJsonContext : JsonSerializerContext;
