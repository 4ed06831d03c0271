using Stagecraft.Generators.Common;

namespace Stagecraft.Generators.Pipelines.Model;

/// <summary>
/// Everything the emitter needs for one valid <c>[Pipeline]</c> class, as plain values (no symbols, syntax or
/// locations), so that an edit which does not change the pipeline leaves this model equal and the output cached.
/// </summary>
/// <param name="HintName">The generated file's name.</param>
/// <param name="Namespace">The class's namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">Types enclosing the class, outermost first.</param>
/// <param name="Type">The <c>[Pipeline]</c> class itself.</param>
/// <param name="FullyQualifiedTypeName">The class as <c>global::Ns.Outer.Name</c>.</param>
/// <param name="PipelineName">The graph's name (<c>PipelineAttribute.Name</c>, or the class name).</param>
/// <param name="Stages">The stages in topological order.</param>
/// <param name="Inputs">Pipeline inputs in order of first use (in the topological order).</param>
/// <param name="RunAsyncAccessibility">The entry point's accessibility: no wider than its input types.</param>
internal sealed record PipelineModel(
    string HintName,
    string? Namespace,
    EquatableArray<TypeDeclarationModel> ContainingTypes,
    TypeDeclarationModel Type,
    string FullyQualifiedTypeName,
    string PipelineName,
    EquatableArray<StageModel> Stages,
    EquatableArray<PipelineInputModel> Inputs,
    string RunAsyncAccessibility);
