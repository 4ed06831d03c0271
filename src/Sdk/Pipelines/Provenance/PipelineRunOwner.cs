namespace Stagecraft.Pipelines;

/// <summary>
/// The process executing a pipeline run, as recorded in its <see cref="PipelineRunRecord"/> while the run is
/// <see cref="PipelineRunStatus.Running"/>. The owner rewrites its heartbeat regularly; a resume is refused while the
/// heartbeat is fresh, and takes the run over once it is stale (or the owner's process is gone from this host).
/// </summary>
public sealed record PipelineRunOwner
{
    /// <summary>Unique per execution: <c>{host}:{process id}:{random}</c>.</summary>
    public required string Id { get; init; }

    public required string Host { get; init; }

    public required int ProcessId { get; init; }

    /// <summary>When the owner last wrote the record.</summary>
    public required DateTimeOffset Heartbeat { get; init; }
}
