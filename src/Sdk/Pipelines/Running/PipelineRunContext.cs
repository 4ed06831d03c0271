using Stagecraft.Runs;

namespace Stagecraft.Pipelines;

/// <summary>What every part of one run (or resume) shares: the runner, the graph, the run's identity, inputs, record and events.</summary>
internal sealed record PipelineRunContext
{
    public required PipelineRunner Runner { get; init; }

    public required PipelineGraph Graph { get; init; }

    public required string RunId { get; init; }

    /// <summary>1 for a new run, one more than the stored record's for a resume.</summary>
    public required int Attempt { get; init; }

    /// <summary>The stored record of the run being resumed; null for a new run.</summary>
    public PipelineRunStore.StoredRunRecord? Prior { get; init; }

    public required RunInputs Inputs { get; init; }

    public required RunRecorder Recorder { get; init; }

    public required PipelineEventSink Events { get; init; }

    public RunPaths Paths => new(RunId);
}
