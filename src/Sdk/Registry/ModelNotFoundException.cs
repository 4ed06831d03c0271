namespace Stagecraft.Registry;

/// <summary>No model is registered for the run.</summary>
public sealed class ModelNotFoundException : RegistryException
{
    public ModelNotFoundException()
    {
    }

    public ModelNotFoundException(string runId)
        : base($"No model is registered for run '{runId}'.") => RunId = runId;

    public ModelNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The run that has no model record.</summary>
    public string? RunId { get; }
}
