using Microsoft.CodeAnalysis;

namespace Stagecraft.Generators.Pipelines;

/// <summary>Turns <c>[Stage]</c> methods of <c>[Pipeline]</c> classes into a typed pipeline graph.</summary>
[Generator(LanguageNames.CSharp)]
public sealed class PipelineGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // The graph model and emitter land with the pipelines issue.
    }
}
