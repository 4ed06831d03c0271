using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Stagecraft.Generators.Common;
using Stagecraft.Generators.Diagnostics;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// Finds <c>[Stage]</c> attributes that cannot take effect: on methods of a class without <c>[Pipeline]</c>, and on
/// local functions or lambdas (which are not members, so <see cref="PipelineParser"/> never sees them).
/// </summary>
internal static class StrayStageParser
{
    /// <summary>
    /// The cheap syntactic half of the check, run only on edited trees: a method whose own class declaration carries
    /// an attribute named <c>Pipeline</c> is <see cref="PipelineParser"/>'s business (it reports invalid stages
    /// there), so only the rest needs binding. Aliased or foreign <c>[Pipeline]</c>s still reach the semantic check.
    /// </summary>
    public static bool IsCandidate(SyntaxNode node, CancellationToken cancellationToken) =>
        node is not MethodDeclarationSyntax { Parent: TypeDeclarationSyntax type } || !HasAttributeNamedPipeline(type);

    public static EquatableArray<DiagnosticInfo> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol method)
        {
            return EquatableArray<DiagnosticInfo>.Empty;
        }

        var location = LocationInfo.From(method.Locations.Length > 0 ? method.Locations[0] : context.TargetNode.GetLocation());
        string? reason = method.MethodKind switch
        {
            MethodKind.LocalFunction => "it is a local function, and only methods of a [Pipeline] class are stages",
            MethodKind.AnonymousFunction => "it is a lambda, and only methods of a [Pipeline] class are stages",
            _ when method.ContainingType is { } type && !KnownTypes.HasAttribute(type, KnownTypes.IsPipelineAttribute) =>
                $"its class '{type.ToDisplayString(TypeFacts.MessageFormat)}' has no [Pipeline] attribute",
            _ => null,
        };

        if (reason is null)
        {
            return EquatableArray<DiagnosticInfo>.Empty;
        }

        var name = method.MethodKind == MethodKind.AnonymousFunction ? "lambda" : method.Name;
        return new EquatableArray<DiagnosticInfo>(new[] { DiagnosticInfo.Create(PipelineDiagnostics.StageOutsidePipeline, location, name, reason) });
    }

    private static bool HasAttributeNamedPipeline(TypeDeclarationSyntax type)
    {
        foreach (var list in type.AttributeLists)
        {
            foreach (var attribute in list.Attributes)
            {
                var name = attribute.Name switch
                {
                    QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
                    AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
                    SimpleNameSyntax simple => simple.Identifier.ValueText,
                    _ => "",
                };
                if (name is "Pipeline" or "PipelineAttribute")
                {
                    return true;
                }
            }
        }

        return false;
    }
}
