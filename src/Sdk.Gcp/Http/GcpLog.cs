using Microsoft.Extensions.Logging;

namespace Stagecraft.Gcp.Http;

/// <summary>Log messages of the Google Cloud HTTP layer (source-generated, allocation-free when disabled).</summary>
internal static partial class GcpLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Retrying {Method} {Uri} after failure {Failures} ({Status}).")]
    public static partial void Retrying(ILogger logger, HttpMethod method, string uri, int failures, string status, Exception? exception);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Giving up on {Method} {Uri} after {Failures} failure(s) (idempotent: {Idempotent}).")]
    public static partial void GaveUp(ILogger logger, HttpMethod method, string uri, int failures, bool idempotent, Exception? exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Resumable upload of {Key} interrupted at {Offset} bytes (failure {Failures}); querying the session.")]
    public static partial void UploadInterrupted(ILogger logger, string key, long offset, int failures, Exception? exception);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Download of {Key} interrupted at {Offset} bytes (failure {Failures}); resuming with a ranged request.")]
    public static partial void DownloadInterrupted(ILogger logger, string key, long offset, int failures, Exception? exception);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Write of {Key} answered 412 after an interrupted attempt, but generation {Generation} carries this write's id: treating it as our own success.")]
    public static partial void RecoveredOwnWrite(ILogger logger, string key, long generation);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Retrying Cloud Storage {Operation} of {Target} after failure {Failures}.")]
    public static partial void StorageRetrying(ILogger logger, string operation, string target, int failures, Exception exception);
}
