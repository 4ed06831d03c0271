namespace Stagecraft.Runs;

/// <summary>The handle names a run the backend has no record of (never launched, deleted, or relaunched under a new launch id).</summary>
public sealed class RunNotFoundException : RunBackendException
{
    public RunNotFoundException()
    {
    }

    public RunNotFoundException(string message)
        : base(message)
    {
    }

    public RunNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public RunNotFoundException(string runId, string reason)
        : base($"Run '{runId}' not found: {reason}") => RunId = runId;

    public string? RunId { get; }
}
