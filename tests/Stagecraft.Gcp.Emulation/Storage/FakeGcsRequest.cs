namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>A request as the fake classified it (recorded in <see cref="FakeGcsServer.Requests"/> and offered to fault rules).</summary>
/// <param name="Sequence">1-based arrival order.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Operation">The API operation.</param>
/// <param name="Bucket">Target bucket (destination for rewrite/copy).</param>
/// <param name="ObjectName">Target object (destination for rewrite/copy; null for list).</param>
/// <param name="Query">Decoded query parameters.</param>
/// <param name="Authorization">The Authorization header as received, if any.</param>
/// <param name="ContentRange">The Content-Range header as received, if any (resumable chunks).</param>
/// <param name="Range">The Range header as received, if any (ranged downloads).</param>
/// <param name="ContentLength">The declared request body length, if any.</param>
public sealed record FakeGcsRequest(
    long Sequence,
    string Method,
    FakeGcsOperation Operation,
    string? Bucket,
    string? ObjectName,
    IReadOnlyDictionary<string, string> Query,
    string? Authorization,
    string? ContentRange,
    string? Range,
    long? ContentLength)
{
    /// <summary>True when the request carries <c>ifGenerationMatch</c> (or pins <c>generation</c>).</summary>
    public bool HasGenerationPrecondition => Query.ContainsKey("ifGenerationMatch") || (Operation == FakeGcsOperation.Delete && Query.ContainsKey("generation"));

    /// <summary>
    /// Google's idempotency rule (the retry-strategy page): reads and listings always; resumable session
    /// traffic always (a session commits at most once); writes and deletes only with a generation precondition;
    /// metadata patches only with a metageneration precondition.
    /// A client may retry exactly these, so a fault plan that must be fully recoverable targets only these.
    /// </summary>
    public bool IsRetrySafe => Operation switch
    {
        FakeGcsOperation.List or FakeGcsOperation.GetMetadata or FakeGcsOperation.Download or FakeGcsOperation.GetBucket => true,
        FakeGcsOperation.PatchMetadata => Query.ContainsKey("ifMetagenerationMatch"),
        FakeGcsOperation.ResumableStart or FakeGcsOperation.ResumableChunk or FakeGcsOperation.ResumableStatus or FakeGcsOperation.ResumableCancel => true,
        FakeGcsOperation.Delete or FakeGcsOperation.Rewrite or FakeGcsOperation.CopyTo or FakeGcsOperation.MediaUpload or FakeGcsOperation.MultipartUpload => HasGenerationPrecondition,
        _ => false,
    };

    /// <summary>True for requests that can commit a new generation.</summary>
    public bool IsWrite => Operation is FakeGcsOperation.Rewrite or FakeGcsOperation.CopyTo or FakeGcsOperation.MediaUpload
        or FakeGcsOperation.MultipartUpload or FakeGcsOperation.ResumableChunk or FakeGcsOperation.ResumableStatus;
}
