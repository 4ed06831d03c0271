using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// Extends a stage's code hash over all the code it runs: every declaration of the same compilation that its body
/// reaches, transitively and in any type (helpers, constants, fields, properties, constructors, operators, nested and
/// other types, generic definitions, overrides and implementations of the virtual and interface members it calls;
/// local functions and lambdas are part of the body already), plus the identity of each referenced assembly whose code
/// it uses (<see cref="CompilationCodeContext.AssemblyKey"/>). Editing any of it changes exactly the hashes of the
/// stages that reach it.
/// </summary>
/// <remarks>
/// Reach is semantic (names are bound, so a same-named member elsewhere does not count) and memoised per syntax node
/// (<see cref="StageCodeReach"/>), so an edit inside a method body re-binds only that body, and the walk over
/// unchanged code is a dictionary lookup per reached declaration.
/// </remarks>
internal static class StageCodeDependencies
{
    /// <summary>The stage's code hash: its own token hash alone when it reaches nothing, otherwise combined with what it reaches.</summary>
    public static string Hash(SyntaxNode declaration, Compilation compilation, CancellationToken cancellationToken)
    {
        var own = StageCodeHasher.Hash(declaration);
        var context = CompilationCodeContext.For(compilation);
        var visited = new HashSet<SyntaxNode> { declaration };
        var pending = new Stack<SyntaxNode>();
        pending.Push(declaration);
        var reached = new List<string>();
        var assemblies = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var reach = StageCodeReach.Of(pending.Pop(), context, cancellationToken);
            assemblies.UnionWith(reach.Assemblies);
            foreach (var unit in reach.Units)
            {
                if (visited.Add(unit))
                {
                    reached.Add(StageCodeReach.IsType(unit) ? "type:" + StageCodeHasher.ShapeHash(unit) : "code:" + StageCodeHasher.Hash(unit));
                    pending.Push(unit);
                }
            }
        }

        if (reached.Count == 0 && assemblies.Count == 0)
        {
            return own;
        }

        var keys = new List<string>(assemblies);
        reached.Sort(StringComparer.Ordinal);
        keys.Sort(StringComparer.Ordinal);
        var text = own + "|" + string.Join("|", reached) + "|" + string.Join("|", keys);

        // The same stage usually reaches the same code on the next compilation: skip the digest then.
        var memo = Digests.GetOrCreateValue(declaration);
        var known = memo.Value;
        if (known is not null && known.Text == text)
        {
            return known.Digest;
        }

        var digest = StageCodeHasher.Sha256Hex(text);
        memo.Value = new DigestMemo(text, digest);
        return digest;
    }

    private static readonly ConditionalWeakTable<SyntaxNode, DigestHolder> Digests = new();

    private sealed class DigestHolder
    {
        public volatile DigestMemo? Value;
    }

    private sealed record DigestMemo(string Text, string Digest);
}
