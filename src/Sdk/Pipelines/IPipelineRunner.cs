namespace Stagecraft.Pipelines;

/// <summary>Executes a <see cref="PipelineGraph"/>. Generated <c>RunAsync</c> entry points call this.</summary>
public interface IPipelineRunner
{
    /// <param name="graph">The pipeline.</param>
    /// <param name="inputs">Values for <see cref="PipelineGraph.Inputs"/>, by input name.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    Task<PipelineRunResult> RunAsync(PipelineGraph graph, IReadOnlyDictionary<string, object?> inputs, CancellationToken cancellationToken = default);

    /// <summary>Continues an earlier run of <paramref name="graph"/>: only stages that did not complete, and their downstream, run again.</summary>
    /// <param name="graph">The pipeline the run belongs to.</param>
    /// <param name="runId">The run to resume.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    Task<PipelineRunResult> ResumeAsync(PipelineGraph graph, string runId, CancellationToken cancellationToken = default);
}
