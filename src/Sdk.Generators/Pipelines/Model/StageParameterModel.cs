namespace Stagecraft.Generators.Pipelines.Model;

/// <summary>One stage parameter and what binds it.</summary>
/// <param name="Name">The C# parameter name (unescaped; it is also the descriptor's name).</param>
/// <param name="Type">The parameter type, fully qualified, nullable annotations included (used for casts).</param>
/// <param name="TypeOf">The same type as <c>typeof</c> accepts it.</param>
/// <param name="Kind">What supplies the value.</param>
/// <param name="Source">The upstream stage name or pipeline input name; null for context and token parameters.</param>
internal sealed record StageParameterModel(string Name, string Type, string TypeOf, ParameterBindingKind Kind, string? Source);
