namespace Stagecraft.Runs;

/// <summary>
/// A run with this id was already launched. Run ids are never reused: a second run under the same id would write its
/// logs and exit code over the first one's (the stale-path bug of a seed's warm pool).
/// </summary>
public sealed class RunAlreadyExistsException : RunBackendException
{
    public RunAlreadyExistsException()
    {
    }

    public RunAlreadyExistsException(string runId)
        : base($"A run with id '{runId}' already exists; run ids are never reused.") => RunId = runId;

    public RunAlreadyExistsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public string? RunId { get; }
}
