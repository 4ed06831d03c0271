namespace Stagecraft.Pipelines;

/// <summary>A stage returned null although its declared output type does not admit null.</summary>
public sealed class StageOutputNullException : PipelineException
{
    public StageOutputNullException()
    {
    }

    public StageOutputNullException(string message)
        : base(message)
    {
    }

    public StageOutputNullException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="stage">The stage.</param>
    /// <param name="outputType">Its declared output type.</param>
    public StageOutputNullException(string stage, Type outputType)
        : base($"Stage '{stage}' returned null, but its output type {outputType?.Name} is not nullable: return a value, or declare the output as {outputType?.Name}? if null is a valid result.")
    {
        Stage = stage;
        OutputType = outputType;
    }

    public string? Stage { get; }

    public Type? OutputType { get; }
}
