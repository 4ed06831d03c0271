namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>
/// One stored object generation in the fake (immutable; a write replaces it with a new instance, a metadata patch
/// with a copy of a higher <see cref="Metageneration"/>). <see cref="Data"/> holds the stored bytes (gzip bytes when
/// <see cref="ContentEncoding"/> is <c>gzip</c>).
/// </summary>
public sealed record FakeGcsObject(
    string Bucket,
    string Name,
    long Generation,
    long Metageneration,
    byte[] Data,
    string ContentType,
    IReadOnlyDictionary<string, string> Metadata,
    string Crc32c,
    string Md5Hash,
    DateTimeOffset Created,
    string? ContentEncoding = null,
    DateTimeOffset? Updated = null);

/// <summary>A committed write, in commit order: how tests prove there were no duplicate or lost writes.</summary>
/// <param name="Sequence">The request that committed it.</param>
/// <param name="Operation">Upload kind or rewrite/copy.</param>
/// <param name="Object">The generation created.</param>
/// <param name="ChecksumVerified">
/// True when the bytes were verified before the commit: against a CRC32C/MD5 the client declared (uploads), or
/// because they were copied server-side from a stored object (rewrite/copy). False for an upload that declared none.
/// </param>
public sealed record FakeGcsCommit(long Sequence, FakeGcsOperation Operation, FakeGcsObject Object, bool ChecksumVerified);
