namespace Stagecraft.Generators.Pipelines.Model;

/// <summary>Mirrors <c>Stagecraft.Pipelines.StageParameterKind</c>; the member names are emitted verbatim.</summary>
internal enum ParameterBindingKind
{
    Upstream,
    PipelineInput,
    Context,
    CancellationToken,
}
