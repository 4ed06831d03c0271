using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
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

    private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new();
    private readonly Lazy<string> _fingerprint;

    private CompilationCodeContext(Compilation compilation)
    {
        Compilation = compilation;
        _fingerprint = new Lazy<string>(ComputeFingerprint);
    }

    public Compilation Compilation { get; }

    /// <summary>
    /// Changes whenever anything a method body can bind to may have changed: the shape (<see cref="StageCodeHasher.ShapeHash"/>)
    /// of any syntax tree, the set of trees, or a referenced assembly (<see cref="AssemblyKey"/>). Equal fingerprints mean
    /// an unchanged body binds to the same symbols, so facts learnt by binding it stay true.
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
        foreach (var tree in Compilation.SyntaxTrees)
        {
            text.Append(StageCodeHasher.ShapeHash(tree.GetRoot())).Append('|');
        }

        foreach (var reference in Compilation.References)
        {
            if (Compilation.GetAssemblyOrModuleSymbol(reference) is IAssemblySymbol assembly)
            {
                text.Append(AssemblyKey(assembly)).Append('|');
            }
        }

        return StageCodeHasher.Sha256Hex(text.ToString());
    }
}
