using System.Threading;
using Microsoft.CodeAnalysis;
using Stagecraft.Generators.Common;
using Stagecraft.Generators.Diagnostics;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// Finds <c>[Stage]</c> attributes that cannot take effect: on methods of a class without <c>[Pipeline]</c>, and on
/// local functions or lambdas (which are not members, so <see cref="PipelineParser"/> never sees them).
/// </summary>
internal static class StrayStageParser
{
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
}
