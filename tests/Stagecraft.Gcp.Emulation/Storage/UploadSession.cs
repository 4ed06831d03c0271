namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>A resumable upload session: received bytes, the metadata and preconditions given at the start.</summary>
internal sealed class UploadSession(string id, string bucket, string name, ObjectFields fields, IReadOnlyDictionary<string, string> preconditions)
{
    public string Id { get; } = id;

    public string Bucket { get; } = bucket;

    public string Name { get; } = name;

    /// <summary>The object resource given at the start (content type, encoding, metadata, declared checksums).</summary>
    public ObjectFields Fields { get; } = fields;

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
