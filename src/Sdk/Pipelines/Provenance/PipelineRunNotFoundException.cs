namespace Stagecraft.Pipelines;

/// <summary>No pipeline run record exists for the run id.</summary>
public sealed class PipelineRunNotFoundException : PipelineException
{
    public PipelineRunNotFoundException()
    {
    }

    public PipelineRunNotFoundException(string runId)
        : base($"Pipeline run '{runId}' has no record in storage (never started here, or its storage was cleared).") => RunId = runId;

    public PipelineRunNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public string? RunId { get; }
}
