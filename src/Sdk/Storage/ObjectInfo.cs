namespace Stagecraft.Storage;

/// <summary>What storage knows about one object.</summary>
/// <param name="Key">The object's key.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Generation">Changes (strictly increases) on every write of this key; never 0 for an existing object.</param>
/// <param name="Updated">When this generation was written.</param>
/// <param name="ContentType">The content type given at upload, if any.</param>
/// <param name="Metadata">User metadata (string to string).</param>
/// <param name="Md5">Base64 MD5 of the content, as Cloud Storage reports it (may be null for composite objects).</param>
/// <param name="Crc32c">Base64 big-endian CRC32C of the content, as Cloud Storage reports it.</param>
public sealed record ObjectInfo(
    string Key,
    long Size,
    long Generation,
    DateTimeOffset Updated,
    string? ContentType,
    IReadOnlyDictionary<string, string> Metadata,
    string? Md5,
    string? Crc32c);
