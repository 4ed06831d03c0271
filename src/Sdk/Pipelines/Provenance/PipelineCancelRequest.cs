namespace Stagecraft.Pipelines;

/// <summary>A request that one attempt of a running pipeline run stop, stored at <see cref="PipelinePaths.CancelRequest"/>.</summary>
public sealed record PipelineCancelRequest
{
    public required string RunId { get; init; }

    /// <summary>The attempt (<see cref="PipelineRunRecord.Attempt"/>) to cancel; a later resume is not affected.</summary>
    public required int Attempt { get; init; }

    /// <summary>Why, as given by the requester.</summary>
    public required string Reason { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>Who asked (user@host).</summary>
    public required string RequestedBy { get; init; }
}
