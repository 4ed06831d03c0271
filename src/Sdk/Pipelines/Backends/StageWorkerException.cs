namespace Stagecraft.Pipelines;

/// <summary>A stage run on a backend did not produce its output: the worker threw, exited non-zero, or was lost.</summary>
public sealed class StageWorkerException : PipelineException
{
    public StageWorkerException()
    {
    }

    public StageWorkerException(string message)
        : base(message)
    {
    }

    public StageWorkerException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public StageWorkerException(string backendRunId, int? exitCode, string? remoteErrorType, string message)
        : base(message)
    {
        BackendRunId = backendRunId;
        ExitCode = exitCode;
        RemoteErrorType = remoteErrorType;
    }

    /// <summary>The backend run that executed the stage.</summary>
    public string? BackendRunId { get; }

    public int? ExitCode { get; }

    /// <summary>The exception type the stage threw in the worker, when it reported one.</summary>
    public string? RemoteErrorType { get; }

    /// <summary>The worker's exception as it printed it: type, message and stack trace (null when the worker reported none).</summary>
    public string? RemoteError { get; init; }

    public override string ToString() => RemoteError is null ? base.ToString() : base.ToString() + Environment.NewLine + "--- worker exception ---" + Environment.NewLine + RemoteError;
}
