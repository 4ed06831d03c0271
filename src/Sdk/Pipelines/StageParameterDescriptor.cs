namespace Stagecraft.Pipelines;

/// <summary>One parameter of a stage method, as bound by the generator.</summary>
/// <param name="Name">The C# parameter name.</param>
/// <param name="Type">The parameter type.</param>
/// <param name="Kind">What binds it.</param>
/// <param name="Source">The upstream stage name (<see cref="StageParameterKind.Upstream"/>) or pipeline input name (<see cref="StageParameterKind.PipelineInput"/>); null otherwise.</param>
public sealed record StageParameterDescriptor(string Name, Type Type, StageParameterKind Kind, string? Source);
