using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// Extends a stage's code hash over the members of its own pipeline class that the stage uses, transitively: helper
/// methods it calls, fields, constants and properties it reads, and what those use in turn. Editing such a helper
/// invalidates exactly the stages that reach it; code in other types is not covered (<c>StageAttribute.Version</c> is
/// the knob for that).
/// </summary>
/// <remarks>
/// Purely syntactic reachability by name (overloads are all included; a local that shadows a member's name only adds
/// that member, never loses one), resolved through the class symbol's member table, so no method body is bound and the
/// incremental cost stays a dictionary lookup per identifier. Identifier sets are memoised per immutable syntax node,
/// like the token hashes.
/// </remarks>
internal static class StageCodeDependencies
{
    private static readonly ConditionalWeakTable<SyntaxNode, string[]> Identifiers = new();
    private static readonly ConditionalWeakTable<SyntaxNode, string[]>.CreateValueCallback CollectIdentifiers = Collect;

    /// <summary>The stage's code hash: its own token hash alone when it uses no member of its class, otherwise combined with theirs.</summary>
    public static string Hash(IMethodSymbol stage, SyntaxNode declaration, CancellationToken cancellationToken)
    {
        var own = StageCodeHasher.Hash(declaration);
        var type = stage.ContainingType;
        var visited = new HashSet<SyntaxNode> { declaration };
        var pending = new Stack<SyntaxNode>();

        // Only the stage's body: names in its attributes ([From(nameof(Train))]) are graph edges, already covered by
        // the upstream fingerprints, not code the stage runs.
        if (declaration is MethodDeclarationSyntax method)
        {
            if (method.Body is { } body)
            {
                pending.Push(body);
            }

            if (method.ExpressionBody is { } expression)
            {
                pending.Push(expression);
            }
        }
        var used = new List<string>();
        while (pending.Count > 0)
        {
            foreach (var name in Identifiers.GetValue(pending.Pop(), CollectIdentifiers))
            {
                foreach (var member in type.GetMembers(name))
                {
                    foreach (var reference in member.DeclaringSyntaxReferences)
                    {
                        if (Declaration(reference.GetSyntax(cancellationToken)) is { } node && visited.Add(node))
                        {
                            used.Add(member.Name + "=" + StageCodeHasher.Hash(node));
                            pending.Push(node);
                        }
                    }
                }
            }
        }

        if (used.Count == 0)
        {
            return own;
        }

        used.Sort(StringComparer.Ordinal);
        return StageCodeHasher.Sha256Hex(own + "|" + string.Join("|", used));
    }

    /// <summary>The node whose tokens stand for a member: a whole field declaration (type and initialiser), else the declaration itself.</summary>
    private static SyntaxNode? Declaration(SyntaxNode syntax) => syntax switch
    {
        VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax field } => field,
        MethodDeclarationSyntax or PropertyDeclarationSyntax or FieldDeclarationSyntax => syntax,
        _ => null, // nested types, events and the like: not followed
    };

    private static string[] Collect(SyntaxNode node) =>
        node.DescendantNodes().OfType<SimpleNameSyntax>().Select(n => n.Identifier.ValueText).Distinct(StringComparer.Ordinal).ToArray();
}
