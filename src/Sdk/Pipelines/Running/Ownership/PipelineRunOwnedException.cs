namespace Stagecraft.Pipelines;

/// <summary>
/// A pipeline run cannot be resumed because another process is executing it: its owner's heartbeat in the run
/// record is fresh. Wait for that run to end (or for its owner's heartbeat to go stale), then resume it.
/// </summary>
public sealed class PipelineRunOwnedException : PipelineException
{
    public PipelineRunOwnedException()
    {
    }

    public PipelineRunOwnedException(string message)
        : base(message)
    {
    }

    public PipelineRunOwnedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="runId">The run.</param>
    /// <param name="owner">Its recorded owner.</param>
    /// <param name="leaseTimeout">How long a heartbeat stays fresh.</param>
    public PipelineRunOwnedException(string runId, PipelineRunOwner owner, TimeSpan leaseTimeout)
        : base($"Pipeline run '{runId}' is being executed by owner '{owner?.Id}' (host {owner?.Host}, process {owner?.ProcessId}), last seen at {owner?.Heartbeat:O}; "
            + $"a run is resumed only once its owner has ended or has not been seen for {leaseTimeout}.")
    {
        RunId = runId;
        OwnerId = owner?.Id;
        LastSeen = owner?.Heartbeat;
    }

    public string? RunId { get; }

    /// <summary>The owner executing the run.</summary>
    public string? OwnerId { get; }

    /// <summary>The owner's last heartbeat.</summary>
    public DateTimeOffset? LastSeen { get; }
}
