using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// What code hashing needs from one compilation, computed once per compilation: the <see cref="DeclarationFingerprint"/>,
/// the key of each referenced assembly, and one semantic model per syntax tree.
/// </summary>
internal sealed class CompilationCodeContext
{
    private static readonly ConditionalWeakTable<Compilation, CompilationCodeContext> Contexts = new();
    private static readonly ConditionalWeakTable<Compilation, CompilationCodeContext>.CreateValueCallback Create = c => new CompilationCodeContext(c);
    private static readonly ConditionalWeakTable<IAssemblySymbol, string> AssemblyKeys = new();
    private static readonly ConditionalWeakTable<IAssemblySymbol, string>.CreateValueCallback ComputeAssemblyKey = KeyOf;

    private static readonly ConditionalWeakTable<SyntaxNode, string> DirectiveHashes = new();
    private static readonly ConditionalWeakTable<SyntaxNode, string>.CreateValueCallback ComputeDirectivesHashCallback = ComputeDirectivesHash;
    private static readonly ConditionalWeakTable<IAssemblySymbol, InstanceId> InstanceIds = new();
    private static readonly ConditionalWeakTable<IAssemblySymbol, InstanceId>.CreateValueCallback NewInstanceIdCallback = NewInstanceId;
    private static long s_lastInstanceId;

    private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new();
    private readonly Lazy<string> _fingerprint;

    private CompilationCodeContext(Compilation compilation)
    {
        Compilation = compilation;
        _fingerprint = new Lazy<string>(ComputeFingerprint);
    }

    public Compilation Compilation { get; }

    /// <summary>
    /// Changes whenever anything a method body can bind to, or any fact about declarations, may have changed: the shape
    /// (<see cref="StageCodeHasher.ShapeHash"/>), directives or parse options of any syntax tree, the set of trees, the
    /// assembly name, or a referenced assembly (<see cref="AssemblyKey"/>, and the instance of a referenced compilation).
    /// Equal fingerprints mean an unchanged body binds to the same symbols and declarations mean the same, so facts
    /// learnt from them stay true. Valid within one process only (it includes hash codes and instance numbers).
    /// </summary>
    public string DeclarationFingerprint => _fingerprint.Value;

    public static CompilationCodeContext For(Compilation compilation) => Contexts.GetValue(compilation, Create);

    public SemanticModel SemanticModel(SyntaxTree tree) => _models.GetOrAdd(tree, t => Compilation.GetSemanticModel(t));

    /// <summary>
    /// How code of a referenced assembly enters a code hash: the SHA-256 of its identity (name, version, culture, public key token)
    /// and, for an assembly read from a file, its module version id (MVID), which changes with every build of
    /// different content. References that are other compilations (project references inside an IDE) have no MVID.
    /// </summary>
    public static string AssemblyKey(IAssemblySymbol assembly) => AssemblyKeys.GetValue(assembly, ComputeAssemblyKey);

    private static string KeyOf(IAssemblySymbol assembly)
    {
        var identity = assembly.Identity.GetDisplayName();
        ModuleMetadata? module = null;
        try
        {
            module = assembly.Modules.FirstOrDefault()?.GetMetadata();
        }
        catch (BadImageFormatException)
        {
            // The compiler reports unreadable references itself; the identity alone still keys the code.
        }

        // Hashed: a display name is ~100 characters, and every stage's hash input lists the assemblies it uses.
        return StageCodeHasher.Sha256Hex(module is null ? identity : identity + ", Mvid=" + module.GetModuleVersionId().ToString("D", CultureInfo.InvariantCulture));
    }

    private string ComputeFingerprint()
    {
        var text = new StringBuilder();
        text.Append(Compilation.AssemblyName).Append('|');
        foreach (var tree in Compilation.SyntaxTrees)
        {
            // Directives are trivia, so shapes skip them, yet #nullable changes what declarations mean; parse options
            // (language version, features) can change binding with the same tokens.
            text.Append(StageCodeHasher.ShapeHash(tree.GetRoot()))
                .Append(':').Append(DirectivesHash(tree.GetRoot()))
                .Append(':').Append(tree.Options.GetHashCode().ToString("x8", CultureInfo.InvariantCulture))
                .Append('|');
        }

        foreach (var reference in Compilation.References)
        {
            if (Compilation.GetAssemblyOrModuleSymbol(reference) is IAssemblySymbol assembly)
            {
                text.Append(AssemblyKey(assembly));

                // A project reference inside an IDE is another compilation, without an MVID: a new instance of it
                // is all that says its declarations may have changed.
                if (reference is CompilationReference)
                {
                    text.Append('#').Append(InstanceIds.GetValue(assembly, NewInstanceIdCallback).Value.ToString(CultureInfo.InvariantCulture));
                }

                text.Append('|');
            }
        }

        return StageCodeHasher.Sha256Hex(text.ToString());
    }

    private static string DirectivesHash(SyntaxNode root) => DirectiveHashes.GetValue(root, ComputeDirectivesHashCallback);

    private static string ComputeDirectivesHash(SyntaxNode root)
    {
        if (!root.ContainsDirectives)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var directive in root.DescendantTrivia(static n => n.ContainsDirectives, descendIntoTrivia: true))
        {
            if (directive.IsDirective)
            {
                text.Append(directive.ToString()).Append('\n');
            }
        }

        return StageCodeHasher.Sha256Hex(text.ToString());
    }

    private static InstanceId NewInstanceId(IAssemblySymbol assembly) => new(Interlocked.Increment(ref s_lastInstanceId));

    private sealed class InstanceId
    {
        public InstanceId(long value) => Value = value;

        public long Value { get; }
    }
}
