namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>The JSON API operations the fake serves.</summary>
public enum FakeGcsOperation
{
    Unknown,
    List,
    GetMetadata,
    Download,
    Delete,
    Rewrite,
    CopyTo,
    MediaUpload,
    MultipartUpload,
    ResumableStart,
    ResumableChunk,
    ResumableStatus,
    ResumableCancel,
    GetBucket,
    PatchMetadata,
}
