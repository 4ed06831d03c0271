using Stagecraft.Generators.Common;

namespace Stagecraft.Generators.Pipelines.Model;

/// <summary>A value the caller supplies to <c>RunAsync</c>.</summary>
/// <param name="Name">The input name (the parameter name it came from).</param>
/// <param name="Type">The type, fully qualified, nullable annotations included (used for the RunAsync parameter).</param>
/// <param name="TypeOf">The same type as <c>typeof</c> accepts it.</param>
/// <param name="Stages">The stages that read it, in topological order (for the generated docs).</param>
internal sealed record PipelineInputModel(string Name, string Type, string TypeOf, EquatableArray<string> Stages);
