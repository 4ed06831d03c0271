namespace Stagecraft.Pipelines;

/// <summary>Where a stage parameter's value comes from.</summary>
public enum StageParameterKind
{
    /// <summary>The output of an upstream stage (<see cref="StageParameterDescriptor.Source"/> names it).</summary>
    Upstream,

    /// <summary>A value supplied when the pipeline is run (<see cref="StageParameterDescriptor.Source"/> is the input name).</summary>
    PipelineInput,

    /// <summary>The runtime's <see cref="StageContext"/>.</summary>
    Context,

    /// <summary>The run's <see cref="System.Threading.CancellationToken"/>.</summary>
    CancellationToken,
}
