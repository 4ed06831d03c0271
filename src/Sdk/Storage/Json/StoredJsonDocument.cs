namespace Stagecraft.Storage.Json;

/// <summary>A JSON document read from object storage, with the object it came from (its generation is the CAS token).</summary>
/// <typeparam name="T">The document type.</typeparam>
/// <param name="Document">The deserialized document; never null.</param>
/// <param name="Info">The stored object's metadata; pass <c>Info.Generation</c> as <c>IfGenerationMatch</c> to replace it.</param>
public readonly record struct StoredJsonDocument<T>(T Document, ObjectInfo Info)
    where T : class;
