using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Stagecraft.Generators.Diagnostics;
using Stagecraft.Generators.Pipelines;

namespace Stagecraft.Generators.Analyzers;

/// <summary>
/// SC1009: a <c>[Stage]</c> attribute that cannot take effect — on a method of a class without Stagecraft's
/// <c>[Pipeline]</c>, or on a local function or lambda (which are not members, so the generator never sees them).
/// </summary>
/// <remarks>
/// A diagnostics-only check belongs in an analyzer rather than in the generator: the compiler runs analyzers
/// after generation, on its own schedule, so the generator's incremental pipeline carries nothing for it. The check
/// is semantic, so an attribute merely <em>named</em> <c>Pipeline</c> (another library's) does not hide a stray stage.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StrayStageAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(PipelineDiagnostics.StageOutsidePipeline);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(AnalyzeMethod, SymbolKind.Method);
        context.RegisterOperationAction(AnalyzeFunction, OperationKind.LocalFunction, OperationKind.AnonymousFunction);
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.ContainingType is not { } type
            || !KnownTypes.HasAttribute(method, KnownTypes.IsStageAttribute)
            || KnownTypes.HasAttribute(type, KnownTypes.IsPipelineAttribute)
            || method.Locations.Length == 0)
        {
            return;
        }

        var reason = $"its class '{type.ToDisplayString(TypeFacts.MessageFormat)}' has no [Pipeline] attribute";
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "PipelineAttribute" } foreign)
            {
                reason = $"its class '{type.ToDisplayString(TypeFacts.MessageFormat)}' has '{foreign.ToDisplayString(TypeFacts.MessageFormat)}', which is not Stagecraft.Pipelines.PipelineAttribute";
                break;
            }
        }

        context.ReportDiagnostic(Diagnostic.Create(PipelineDiagnostics.StageOutsidePipeline, method.Locations[0], method.Name, reason));
    }

    private static void AnalyzeFunction(OperationAnalysisContext context)
    {
        var (method, reason) = context.Operation switch
        {
            ILocalFunctionOperation local => (local.Symbol, "it is a local function, and only methods of a [Pipeline] class are stages"),
            IAnonymousFunctionOperation lambda => (lambda.Symbol, "it is a lambda, and only methods of a [Pipeline] class are stages"),
            _ => (null, ""),
        };
        if (method is null || !KnownTypes.HasAttribute(method, KnownTypes.IsStageAttribute))
        {
            return;
        }

        var isLambda = method.MethodKind == MethodKind.AnonymousFunction;
        var location = !isLambda && method.Locations.Length > 0 ? method.Locations[0] : context.Operation.Syntax.GetLocation();
        context.ReportDiagnostic(Diagnostic.Create(PipelineDiagnostics.StageOutsidePipeline, location, isLambda ? "lambda" : method.Name, reason));
    }
}
