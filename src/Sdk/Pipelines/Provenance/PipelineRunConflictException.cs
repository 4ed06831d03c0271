namespace Stagecraft.Pipelines;

/// <summary>
/// Another process created or changed the same pipeline run record (a reused run id, or two resumes of one run):
/// the run stops rather than interleave its outputs and provenance with the other writer's.
/// </summary>
public sealed class PipelineRunConflictException : PipelineException
{
    public PipelineRunConflictException()
    {
    }

    public PipelineRunConflictException(string message)
        : base(message)
    {
    }

    public PipelineRunConflictException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public PipelineRunConflictException(string runId, string message, Exception? innerException)
        : base(message, innerException) => RunId = runId;

    public string? RunId { get; }
}
