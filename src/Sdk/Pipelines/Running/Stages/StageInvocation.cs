namespace Stagecraft.Pipelines;

/// <summary>One execution of a stage method: the stage, its bound upstream and input arguments, and where it runs and stores.</summary>
internal sealed record StageInvocation
{
    public required string Pipeline { get; init; }

    /// <summary>The pipeline run (not a backend run) the stage belongs to.</summary>
    public required string RunId { get; init; }

    public required StageDescriptor Stage { get; init; }

    /// <summary>
    /// Aligned with <see cref="StageDescriptor.Parameters"/>: upstream outputs and pipeline inputs filled in; the
    /// context and cancellation-token slots are filled by <see cref="StageExecutor"/>.
    /// </summary>
    public required object?[] Arguments { get; init; }

    /// <summary>The stage's private directory, emptied before a stage that can see it (through its context) runs.</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>The storage prefix the output goes under.</summary>
    public required string OutputPrefix { get; init; }

    /// <summary>Receives the stage's <see cref="StageContext.Progress"/> reports.</summary>
    public IProgress<double>? Progress { get; init; }

    /// <summary>Told when the execution enters a phase, so a failure can be attributed.</summary>
    public Action<StageExecutionPhase>? OnPhase { get; init; }
}
