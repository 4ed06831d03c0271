using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// Computes a stage's code hash: SHA-256 (lowercase hex) over the method declaration's tokens (attributes,
/// modifiers, signature and body), each written as <c>&lt;length&gt;:&lt;text&gt;</c>. Trivia is skipped, so
/// whitespace, line breaks, comments, doc comments, <c>#region</c>s and code disabled by <c>#if</c> never change the
/// hash; any token edit does (the length prefix keeps different token sequences from concatenating to the same
/// text). <see cref="StageCodeDependencies"/> extends a stage's hash over the code it reaches.
/// </summary>
/// <remarks>
/// The transform that asks for hashes re-runs on every compilation change, but a syntax tree that did not change
/// keeps its node instances, so hashes are memoised per node: the hash is a pure function of an immutable node, and
/// the table holds nodes weakly, so it neither changes results nor keeps trees alive.
/// </remarks>
internal static class StageCodeHasher
{
    private static readonly ConditionalWeakTable<SyntaxNode, string> Hashes = new();
    private static readonly ConditionalWeakTable<SyntaxNode, string>.CreateValueCallback Compute = ComputeHash;

    [ThreadStatic]
    private static StringBuilder? t_text;

    private static readonly ConditionalWeakTable<SyntaxNode, string> ShapeHashes = new();
    private static readonly ConditionalWeakTable<SyntaxNode, string>.CreateValueCallback ComputeShape = ComputeShapeHash;
    private static readonly Func<SyntaxNode, bool> OutsideBodies = node => !IsBody(node);

    public static string Hash(SyntaxNode declaration) => Hashes.GetValue(declaration, Compute);

    /// <summary>
    /// The hash of a declaration's <em>shape</em>: its tokens except the bodies of methods, accessors, constructors,
    /// operators and local functions (and top-level statements), so member signatures, field and property
    /// initialisers, constants, attributes, base lists and usings count, and statements do not.
    /// </summary>
    /// <remarks>
    /// What a method body binds to (which member a name means, which overload, which override) depends on the bodies
    /// text and on the shapes of the compilation's declarations only, never on other bodies; that is what lets
    /// <see cref="StageCodeReach"/> keep what it learnt about a body while only bodies change elsewhere.
    /// </remarks>
    public static string ShapeHash(SyntaxNode declaration) => ShapeHashes.GetValue(declaration, ComputeShape);

    /// <summary>A body: statements that run, as opposed to the declarations around them.</summary>
    public static bool IsBody(SyntaxNode node) =>
        node is GlobalStatementSyntax
        || (node is BlockSyntax or ArrowExpressionClauseSyntax
            && node.Parent is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax or BasePropertyDeclarationSyntax);

    private static string ComputeHash(SyntaxNode declaration) => HashTokens(declaration.DescendantTokens());

    private static string ComputeShapeHash(SyntaxNode declaration) => HashTokens(declaration.DescendantTokens(OutsideBodies));

    private static string HashTokens(IEnumerable<SyntaxToken> tokens)
    {
        var text = t_text ??= new StringBuilder();
        text.Clear();
        foreach (var token in tokens)
        {
            var tokenText = token.Text;
            text.Append(tokenText.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(tokenText);
        }

        var hash = Sha256Hex(text.ToString());
        if (text.Capacity > 64 * 1024)
        {
            t_text = null; // Do not pin a huge buffer after one giant method.
        }

        return hash;
    }

    /// <summary>SHA-256 of the UTF-8 text as lowercase hex: the one digest format of code hashes.</summary>
    public static string Sha256Hex(string text)
    {
        byte[] digest;
        using (var sha = SHA256.Create())
        {
            digest = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
        }

        var hex = new char[digest.Length * 2];
        for (var i = 0; i < digest.Length; i++)
        {
            hex[2 * i] = HexDigit(digest[i] >> 4);
            hex[(2 * i) + 1] = HexDigit(digest[i] & 0xF);
        }

        return new string(hex);
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'a' + value - 10);
}
