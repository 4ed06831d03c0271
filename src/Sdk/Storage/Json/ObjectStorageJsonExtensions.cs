using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Stagecraft.Storage.Json;

/// <summary>
/// The one way Stagecraft reads and writes JSON documents in object storage. A document's object generation is its
/// compare-and-swap token: read it with <see cref="TryReadJsonAsync"/>, change it, and write it back with
/// <see cref="PutJsonAsync"/> and <c>IfGenerationMatch</c> set to the generation read (0 to create only).
/// </summary>
public static class ObjectStorageJsonExtensions
{
    /// <summary>The content type every JSON document is stored with.</summary>
    public const string JsonContentType = "application/json";

    /// <summary>Reads and deserializes a JSON document, or returns null when the object does not exist.</summary>
    /// <exception cref="StoredDocumentException">The object exists but is not valid JSON of <typeparamref name="T"/>'s shape, or holds JSON null.</exception>
    public static async Task<StoredJsonDocument<T>?> TryReadJsonAsync<T>(
        this IObjectStorage storage, string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(typeInfo);
        ObjectReadResult result;
        try
        {
            result = await storage.GetAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }

        await using (result.ConfigureAwait(false))
        {
            T? document;
            try
            {
                document = await JsonSerializer.DeserializeAsync(result.Content, typeInfo, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                throw new StoredDocumentException(key, typeof(T), "it is not valid JSON of the expected shape", ex);
            }

            return document is null
                ? throw new StoredDocumentException(key, typeof(T), "it holds JSON null", null)
                : new StoredJsonDocument<T>(document, result.Info);
        }
    }

    /// <summary>
    /// Serializes <paramref name="document"/> and stores it under <paramref name="key"/> with the JSON content type.
    /// Set <see cref="PutObjectOptions.IfGenerationMatch"/> to make the write a compare-and-swap (0: create only).
    /// </summary>
    /// <exception cref="PreconditionFailedException">The generation precondition did not hold; nothing was written.</exception>
    public static async Task<ObjectInfo> PutJsonAsync<T>(
        this IObjectStorage storage,
        string key,
        T document,
        JsonTypeInfo<T> typeInfo,
        PutObjectOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, typeInfo);
        options ??= new PutObjectOptions();
        if (options.ContentType is null)
        {
            options = options with { ContentType = JsonContentType };
        }

        using var content = new MemoryStream(bytes, writable: false);
        return await storage.PutAsync(key, content, options, cancellationToken).ConfigureAwait(false);
    }
}
