using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Stagecraft.Generators.Pipelines.Model;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// Reuses a pipeline's <see cref="PipelineResult"/> on the next compilation when nothing it was computed from changed,
/// so a keystroke elsewhere costs each pipeline a few table lookups instead of re-binding every stage signature.
/// </summary>
/// <remarks>
/// Everything in a result except the stages' code hashes is a fact about declarations: attributes, signatures, types
/// and their members, nullability, conversions. Those are the same in two compilations with the same
/// <see cref="CompilationCodeContext.DeclarationFingerprint"/> and options, provided the pipeline's own declarations are
/// the same nodes (their trees were not replaced, so spans and locations hold too). Code hashes also follow bodies, so
/// they are recomputed (memoised per node by <see cref="StageCodeDependencies"/>) and must all come out the same.
/// </remarks>
internal static class PipelineResultCache
{
    private static readonly ConditionalWeakTable<TypeDeclarationSyntax, Holder> Entries = new();

    /// <summary>The result remembered for <paramref name="declaration"/>, if it still holds in <paramref name="context"/>'s compilation.</summary>
    public static PipelineResult? TryReuse(TypeDeclarationSyntax declaration, CompilationCodeContext context, CancellationToken cancellationToken)
    {
        if (!Entries.TryGetValue(declaration, out var holder) || holder.Value is not { } entry)
        {
            return null;
        }

        var compilation = context.Compilation;
        if (entry.Fingerprint != context.DeclarationFingerprint || !entry.Options.Equals(compilation.Options))
        {
            return null;
        }

        foreach (var tree in entry.Trees)
        {
            if (!compilation.ContainsSyntaxTree(tree))
            {
                return null;
            }
        }

        foreach (var stage in entry.StageHashes)
        {
            if (StageCodeDependencies.Hash(stage.Key, compilation, cancellationToken) != stage.Value)
            {
                return null;
            }
        }

        return entry.Result;
    }

    /// <summary>Remembers a freshly parsed result with what it depends on.</summary>
    /// <param name="declaration">The pipeline declaration the result was parsed from.</param>
    /// <param name="context">The compilation it was parsed in.</param>
    /// <param name="declarationTrees">The trees of every part of the pipeline class.</param>
    /// <param name="stageHashes">Each stage's hashed declaration and the code hash the result holds for it.</param>
    /// <param name="result">The result.</param>
    public static void Remember(
        TypeDeclarationSyntax declaration, CompilationCodeContext context, IReadOnlyList<SyntaxTree> declarationTrees, IReadOnlyList<KeyValuePair<SyntaxNode, string>> stageHashes, PipelineResult result)
    {
        var trees = new HashSet<SyntaxTree>(declarationTrees);
        foreach (var stage in stageHashes)
        {
            trees.Add(stage.Key.SyntaxTree);
        }

        Entries.GetOrCreateValue(declaration).Value = new Entry(
            context.DeclarationFingerprint, context.Compilation.Options, new List<SyntaxTree>(trees), stageHashes, result);
    }

    private sealed class Holder
    {
        public volatile Entry? Value;
    }

    private sealed class Entry
    {
        public Entry(string fingerprint, CompilationOptions options, List<SyntaxTree> trees, IReadOnlyList<KeyValuePair<SyntaxNode, string>> stageHashes, PipelineResult result)
        {
            Fingerprint = fingerprint;
            Options = options;
            Trees = trees;
            StageHashes = stageHashes;
            Result = result;
        }

        public string Fingerprint { get; }

        public CompilationOptions Options { get; }

        public List<SyntaxTree> Trees { get; }

        public IReadOnlyList<KeyValuePair<SyntaxNode, string>> StageHashes { get; }

        public PipelineResult Result { get; }
    }
}
