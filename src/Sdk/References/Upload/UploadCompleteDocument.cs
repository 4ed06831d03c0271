namespace Stagecraft.References;

/// <summary>The content of <see cref="ReferenceFileNames.UploadComplete"/>: informational (its presence is what counts).</summary>
internal sealed record UploadCompleteDocument(string Fingerprint, int FileCount, string Shard, DateTimeOffset UploadedAt);
