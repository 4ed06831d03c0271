using System.Collections.Immutable;

namespace Stagecraft.Pipelines;

/// <summary>
/// What a worker process needs to run one stage: which stage, and the stored value of every argument. Stored and read
/// only as a snapshot (<see cref="StageTaskSnapshot"/>).
/// </summary>
internal sealed record StageTask
{
    public required string Pipeline { get; init; }

    public required string PipelineRunId { get; init; }

    public required string Stage { get; init; }

    /// <summary>The coordinator's code hash: a worker built from other code refuses the task.</summary>
    public required string CodeHash { get; init; }

    public required string Fingerprint { get; init; }

    /// <summary>Stored values of the upstream-output and pipeline-input parameters, by parameter name.</summary>
    public required ImmutableArray<StageTaskArgument> Arguments { get; init; }
}

/// <summary>One stored argument of a <see cref="StageTask"/>.</summary>
internal sealed record StageTaskArgument(string Parameter, StoredValue Value);
