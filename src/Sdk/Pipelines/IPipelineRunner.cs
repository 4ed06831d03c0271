namespace Stagecraft.Pipelines;

/// <summary>Executes a <see cref="PipelineGraph"/>. Generated <c>RunAsync</c> entry points call this.</summary>
public interface IPipelineRunner
{
    /// <param name="graph">The pipeline.</param>
    /// <param name="inputs">Values for <see cref="PipelineGraph.Inputs"/>, by input name.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    Task<PipelineRunResult> RunAsync(PipelineGraph graph, IReadOnlyDictionary<string, object?> inputs, CancellationToken cancellationToken = default);
}
