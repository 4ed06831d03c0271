using Stagecraft.Runs;

namespace Stagecraft.Gcp.Compute;

/// <summary>A Compute Engine request or operation failed; <see cref="ErrorCode"/> is the API's machine-readable code.</summary>
public class ComputeEngineException : RunBackendException
{
    public ComputeEngineException()
    {
    }

    public ComputeEngineException(string message)
        : base(message)
    {
    }

    public ComputeEngineException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ComputeEngineException(string message, string? errorCode, int? httpStatus)
        : base(message)
    {
        ErrorCode = errorCode;
        HttpStatus = httpStatus;
    }

    public ComputeEngineException(string message, string? errorCode, int? httpStatus, Exception? innerException)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        HttpStatus = httpStatus;
    }

    /// <summary>E.g. <c>QUOTA_EXCEEDED</c>, <c>ZONE_RESOURCE_POOL_EXHAUSTED</c>, <c>notFound</c>.</summary>
    public string? ErrorCode { get; }

    /// <summary>The HTTP status that came with the error, if any.</summary>
    public int? HttpStatus { get; }
}
