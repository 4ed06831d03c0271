using System.Collections.ObjectModel;
using System.Text.Json;
using Stagecraft.Storage;

namespace Stagecraft.Local.Storage;

/// <summary>
/// Reads the JSON header of an object file (written from <see cref="StoredObjectHeader"/>) straight into an
/// <see cref="ObjectInfo"/>. Every Get, Stat and listed object reads one header, so this is a hand-written pass over
/// the bytes: the serializer's generated reader for an init-only record builds a constructor-argument cache and the
/// record itself per call, which cost more than the file open in the profile of a merge. Properties it does not know
/// are skipped, as the serializer would, so a later version may add some.
/// </summary>
internal static class StoredObjectHeaderReader
{
    private static readonly ReadOnlyDictionary<string, string> NoMetadata = ReadOnlyDictionary<string, string>.Empty;

    // The property names as UTF-8, from the one spelling the writer uses too.
    private static readonly JsonEncodedText KeyName = JsonEncodedText.Encode(StoredObjectHeader.Names.Key);
    private static readonly JsonEncodedText SizeName = JsonEncodedText.Encode(StoredObjectHeader.Names.Size);
    private static readonly JsonEncodedText GenerationName = JsonEncodedText.Encode(StoredObjectHeader.Names.Generation);
    private static readonly JsonEncodedText UpdatedName = JsonEncodedText.Encode(StoredObjectHeader.Names.Updated);
    private static readonly JsonEncodedText ContentTypeName = JsonEncodedText.Encode(StoredObjectHeader.Names.ContentType);
    private static readonly JsonEncodedText MetadataName = JsonEncodedText.Encode(StoredObjectHeader.Names.Metadata);
    private static readonly JsonEncodedText Md5Name = JsonEncodedText.Encode(StoredObjectHeader.Names.Md5);
    private static readonly JsonEncodedText Crc32cName = JsonEncodedText.Encode(StoredObjectHeader.Names.Crc32c);

    /// <summary>The object's information; <paramref name="expectedKey"/>, when the header holds exactly it, is reused rather than copied.</summary>
    /// <exception cref="JsonException">The bytes are not a complete header.</exception>
    public static ObjectInfo Read(ReadOnlySpan<byte> json, string? expectedKey)
    {
        var reader = new Utf8JsonReader(json);
        Expect(ref reader, JsonTokenType.StartObject);
        string? key = null, contentType = null, md5 = null, crc32c = null;
        long? size = null, generation = null;
        DateTimeOffset? updated = null;
        IReadOnlyDictionary<string, string>? metadata = null;
        while (true)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                throw new JsonException($"Expected a property name, found {reader.TokenType}.");
            }

            if (reader.ValueTextEquals(KeyName.EncodedUtf8Bytes))
            {
                Next(ref reader);
                key = expectedKey is not null && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(expectedKey) ? expectedKey : reader.GetString();
            }
            else if (reader.ValueTextEquals(SizeName.EncodedUtf8Bytes))
            {
                Next(ref reader);
                size = reader.GetInt64();
            }
            else if (reader.ValueTextEquals(GenerationName.EncodedUtf8Bytes))
            {
                Next(ref reader);
                generation = reader.GetInt64();
            }
            else if (reader.ValueTextEquals(UpdatedName.EncodedUtf8Bytes))
            {
                Next(ref reader);
                updated = reader.GetDateTimeOffset();
            }
            else if (reader.ValueTextEquals(ContentTypeName.EncodedUtf8Bytes))
            {
                Next(ref reader);
                contentType = reader.GetString();
            }
            else if (reader.ValueTextEquals(MetadataName.EncodedUtf8Bytes))
            {
                Next(ref reader);
                metadata = ReadMetadata(ref reader);
            }
            else if (reader.ValueTextEquals(Md5Name.EncodedUtf8Bytes))
            {
                Next(ref reader);
                md5 = reader.GetString();
            }
            else if (reader.ValueTextEquals(Crc32cName.EncodedUtf8Bytes))
            {
                Next(ref reader);
                crc32c = reader.GetString();
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        if (key is null || size is null || generation is null || updated is null || contentType is null || metadata is null || md5 is null || crc32c is null)
        {
            throw new JsonException("The header lacks a required property.");
        }

        return new ObjectInfo(key, size.Value, generation.Value, updated.Value, contentType, metadata, md5, crc32c);
    }

    /// <summary>The read-only view <see cref="ObjectInfo.Metadata"/> exposes; one shared instance when there is none.</summary>
    public static IReadOnlyDictionary<string, string> View(Dictionary<string, string> metadata) =>
        metadata.Count == 0 ? NoMetadata : new ReadOnlyDictionary<string, string>(metadata);

    private static IReadOnlyDictionary<string, string> ReadMetadata(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected the metadata object, found {reader.TokenType}.");
        }

        Dictionary<string, string>? metadata = null;
        while (true)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return metadata is null ? NoMetadata : View(metadata);
            }

            var name = reader.GetString()!;
            Next(ref reader);
            metadata ??= new Dictionary<string, string>(StringComparer.Ordinal);
            metadata[name] = reader.GetString() ?? throw new JsonException($"The metadata value of '{name}' is null.");
        }
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        Next(ref reader);
        if (reader.TokenType != type)
        {
            throw new JsonException($"Expected {type}, found {reader.TokenType}.");
        }
    }

    private static void Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The header ends early.");
        }
    }
}
