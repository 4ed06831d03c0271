namespace Stagecraft.References;

/// <summary>What one <see cref="ReferenceUploader.UploadChangedAsync"/> call did.</summary>
/// <param name="Uploaded">Keys uploaded completely (content, sidecar, completion marker).</param>
/// <param name="Failed">Keys whose upload failed; they stay eligible and are retried by the next call.</param>
/// <param name="Unchanged">Keys with a marker that needed no upload (equal to the seed, or already uploaded by this worker).</param>
public sealed record ReferenceUploadResult(
    IReadOnlyList<UploadedReference> Uploaded,
    IReadOnlyList<FailedReferenceUpload> Failed,
    IReadOnlyList<string> Unchanged);

/// <summary>A key uploaded to this worker's shard.</summary>
/// <param name="Key">The reference key.</param>
/// <param name="Fingerprint">The fingerprint of the uploaded tree.</param>
/// <param name="FileCount">Files uploaded (marker included).</param>
/// <param name="Prefix">The key slice's prefix in storage.</param>
public sealed record UploadedReference(string Key, string Fingerprint, int FileCount, string Prefix);

/// <summary>A key whose upload failed (it stays eligible).</summary>
/// <param name="Key">The reference key.</param>
/// <param name="Error">What went wrong.</param>
public sealed record FailedReferenceUpload(string Key, string Error);
