namespace Stagecraft.Pipelines;

/// <summary>
/// A pipeline run was cancelled (by the caller's token or a termination signal). Its record says
/// <see cref="PipelineRunStatus.Cancelled"/>, stages that finished are recorded finished, and it can be resumed
/// under <see cref="RunId"/>. An <see cref="OperationCanceledException"/>, so code that handles cancellation keeps working.
/// </summary>
public sealed class PipelineRunCancelledException : OperationCanceledException
{
    public PipelineRunCancelledException()
    {
    }

    public PipelineRunCancelledException(string message)
        : base(message)
    {
    }

    public PipelineRunCancelledException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="runId">The cancelled run.</param>
    /// <param name="pipeline">Its pipeline.</param>
    /// <param name="reason">What cancelled it, as a clause ("cancelled by the caller").</param>
    /// <param name="cancellationToken">The caller's token, when it was the cause.</param>
    public PipelineRunCancelledException(string runId, string pipeline, string reason, CancellationToken cancellationToken)
        : base($"Pipeline run '{runId}' of '{pipeline}' was {reason}; its finished stages are kept. Resume it with ResumeAsync(graph, \"{runId}\").", null, cancellationToken)
    {
        RunId = runId;
        Pipeline = pipeline;
        Reason = reason;
    }

    public string? RunId { get; }

    public string? Pipeline { get; }

    /// <summary>What cancelled the run, in words.</summary>
    public string? Reason { get; }
}
