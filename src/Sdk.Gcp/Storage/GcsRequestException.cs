using System.Net;
using Stagecraft.Gcp.Http;
using Stagecraft.Storage;

namespace Stagecraft.Gcp.Storage;

/// <summary>
/// A Cloud Storage request failed with an error that has no more specific type
/// (<see cref="ObjectNotFoundException"/>, <see cref="PreconditionFailedException"/>,
/// <see cref="ChecksumMismatchException"/>): permissions, a missing bucket, a bad request,
/// a server error that persisted through retries, or no response at all.
/// </summary>
public sealed class GcsRequestException : StorageException
{
    public GcsRequestException()
    {
    }

    public GcsRequestException(string message)
        : base(message)
    {
    }

    public GcsRequestException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="message">What failed, naming the operation, bucket and key.</param>
    /// <param name="statusCode">The HTTP status, or null when no response arrived.</param>
    /// <param name="error">The parsed error document, when the server sent one.</param>
    /// <param name="innerException">The transport failure, when no response arrived.</param>
    public GcsRequestException(string message, HttpStatusCode? statusCode, GoogleApiError? error, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Error = error;
    }

    /// <summary>The HTTP status, or null when the request failed without a response (connection failure, timeout).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The server's error document, when it sent one.</summary>
    public GoogleApiError? Error { get; }

    /// <summary>The machine-readable reason (<c>forbidden</c>, <c>notFound</c>, <c>invalid</c>, ...), when known.</summary>
    public string? Reason => Error?.Reason;

    /// <summary>True when the failure is of a retryable kind (it was retried as far as the policy allowed).</summary>
    public bool IsTransient => StatusCode is null || GcpRetryPolicy.IsRetryableStatus(StatusCode.Value);
}
