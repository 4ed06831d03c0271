namespace Stagecraft.Pipelines;

/// <summary>The base of every error the pipeline runtime raises about a pipeline, a run or a stage.</summary>
public class PipelineException : Exception
{
    public PipelineException()
    {
    }

    public PipelineException(string message)
        : base(message)
    {
    }

    public PipelineException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
