namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>A resumable upload session: received bytes, the metadata and preconditions given at the start.</summary>
internal sealed class UploadSession(string id, string bucket, string name, string contentType, Dictionary<string, string> metadata, string? declaredCrc32c, IReadOnlyDictionary<string, string> preconditions)
{
    public string Id { get; } = id;

    public string Bucket { get; } = bucket;

    public string Name { get; } = name;

    public string ContentType { get; } = contentType;

    public Dictionary<string, string> Metadata { get; } = metadata;

    public string? DeclaredCrc32c { get; } = declaredCrc32c;

    public IReadOnlyDictionary<string, string> Preconditions { get; } = preconditions;

    public MemoryStream Received { get; } = new();

    public UploadSessionState State { get; set; }

    public FakeGcsObject? Result { get; set; }

    /// <summary>Why a failed session failed; it keeps giving this answer, as the real service does.</summary>
    public FakeResponse? Failure { get; set; }
}

internal enum UploadSessionState
{
    Active,
    Completed,
    Cancelled,
    Failed,
}
