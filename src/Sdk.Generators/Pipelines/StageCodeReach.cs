using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// What one unit of code reaches directly: the declarations of the same compilation its executable code uses (methods,
/// constructors, operators, properties, indexers, events, fields, constants, enum members, types, and the overrides and
/// implementations a virtual or interface call may dispatch to), and the referenced assemblies it uses code from.
/// A unit is a member declaration (a whole field declaration for a field) or, for a type, its declaration.
/// </summary>
/// <remarks>
/// <para>Binding a body is the expensive part, so facts are memoised per unit node with the
/// <see cref="CompilationCodeContext.DeclarationFingerprint"/> they were computed under. An unchanged node in a
/// compilation with the same fingerprint binds to the same symbols, so its facts are reused as long as every unit they
/// name is still a node of the compilation (its tree was not replaced); only bodies edited since, or bodies pointing
/// into an edited file, are bound again. An edit to any declaration's shape re-binds everything reached, once.</para>
/// <para>Types are not followed into: a type reached (named in code, or owning a member without source such as a
/// record's synthesised members) contributes its shape — member signatures, field and property initialisers — and
/// the members actually used are reached through their own declarations.</para>
/// </remarks>
internal static class StageCodeReach
{
    private static readonly ConditionalWeakTable<SyntaxNode, Memo> Memos = new();

    /// <summary>The unit's direct reach in <paramref name="context"/>'s compilation.</summary>
    public static UnitReach Of(SyntaxNode unit, CompilationCodeContext context, CancellationToken cancellationToken)
    {
        var memo = Memos.GetOrCreateValue(unit);
        var known = memo.Value;
        if (known is not null && known.Fingerprint == context.DeclarationFingerprint && AllInCompilation(known.Units, context.Compilation))
        {
            return known;
        }

        var reach = IsType(unit) ? new UnitReach(context.DeclarationFingerprint, Array.Empty<SyntaxNode>(), Array.Empty<string>()) : Bind(unit, context, cancellationToken);
        memo.Value = reach;
        return reach;
    }

    /// <summary>A type declaration unit, hashed by its shape rather than its tokens.</summary>
    public static bool IsType(SyntaxNode unit) => unit is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax;

    private static bool AllInCompilation(SyntaxNode[] units, Compilation compilation)
    {
        foreach (var unit in units)
        {
            if (!compilation.ContainsSyntaxTree(unit.SyntaxTree))
            {
                return false;
            }
        }

        return true;
    }

    private static UnitReach Bind(SyntaxNode unit, CompilationCodeContext context, CancellationToken cancellationToken)
    {
        var collector = new Collector(context, cancellationToken);
        var model = context.SemanticModel(unit.SyntaxTree);

        // Attributes are metadata, not code that runs ([From(nameof(Train))] is a graph edge, covered by the upstream
        // fingerprint).
        foreach (var node in unit.DescendantNodes(static n => n is not AttributeListSyntax))
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (node)
            {
                case SimpleNameSyntax or BaseObjectCreationExpressionSyntax or ElementAccessExpressionSyntax or ImplicitElementAccessSyntax
                    or BinaryExpressionSyntax or PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax or AssignmentExpressionSyntax
                    or ConstructorInitializerSyntax or PrimaryConstructorBaseTypeSyntax:
                    var info = model.GetSymbolInfo(node, cancellationToken);
                    collector.Add(info.Symbol);
                    foreach (var candidate in info.CandidateSymbols)
                    {
                        collector.Add(candidate);
                    }

                    break;
                case CommonForEachStatementSyntax forEach:
                    var loop = model.GetForEachStatementInfo(forEach);
                    collector.Add(loop.GetEnumeratorMethod);
                    collector.Add(loop.MoveNextMethod);
                    collector.Add(loop.CurrentProperty);
                    collector.Add(loop.DisposeMethod);
                    break;
                case CastExpressionSyntax cast:
                    collector.Add(model.GetConversion(cast, cancellationToken).MethodSymbol);
                    break;
            }
        }

        return new UnitReach(context.DeclarationFingerprint, collector.Units.ToArray(), collector.Assemblies.ToArray());
    }

    /// <summary>The unit node that stands for a declaration a symbol points at.</summary>
    private static SyntaxNode? UnitOf(SyntaxNode declaration) => declaration switch
    {
        VariableDeclaratorSyntax { Parent.Parent: BaseFieldDeclarationSyntax field } => field,
        AccessorDeclarationSyntax { Parent.Parent: BasePropertyDeclarationSyntax property } => property,
        BaseMethodDeclarationSyntax or BasePropertyDeclarationSyntax or EnumMemberDeclarationSyntax or BaseTypeDeclarationSyntax
            or DelegateDeclarationSyntax or EventFieldDeclarationSyntax => declaration,

        // A record's positional parameter (its property), or anything else declared inside a type: the type's shape.
        _ => declaration.FirstAncestorOrSelf<BaseTypeDeclarationSyntax>(),
    };

    private sealed class Memo
    {
        public volatile UnitReach? Value;
    }

    private sealed class Collector
    {
        private readonly CompilationCodeContext _context;
        private readonly CancellationToken _cancellationToken;
        private readonly HashSet<ISymbol> _seen = new(SymbolEqualityComparer.Default);
        private readonly HashSet<SyntaxNode> _unitSet = new();

        public Collector(CompilationCodeContext context, CancellationToken cancellationToken)
        {
            _context = context;
            _cancellationToken = cancellationToken;
        }

        public List<SyntaxNode> Units { get; } = new();

        public SortedSet<string> Assemblies { get; } = new(StringComparer.Ordinal);

        public void Add(ISymbol? symbol)
        {
            switch (symbol)
            {
                case null:
                case ILocalSymbol or IParameterSymbol or ILabelSymbol or IRangeVariableSymbol or IDiscardSymbol or INamespaceSymbol
                    or ITypeParameterSymbol or IAliasSymbol or IPreprocessingSymbol or IDynamicTypeSymbol:
                case IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction }:
                    return; // declared inside the unit, or not code
                case IArrayTypeSymbol array:
                    Add(array.ElementType);
                    return;
                case IPointerTypeSymbol pointer:
                    Add(pointer.PointedAtType);
                    return;
                case IMethodSymbol { ReducedFrom: { } extension }:
                    Add(extension);
                    return;
            }

            var definition = symbol.OriginalDefinition;
            if (!_seen.Add(definition))
            {
                return;
            }

            if (definition is INamedTypeSymbol { IsTupleType: true } tuple)
            {
                foreach (var element in tuple.TupleElements)
                {
                    Add(element.Type);
                }
            }

            var assembly = definition.ContainingAssembly;
            if (assembly is null)
            {
                return;
            }

            if (!SymbolEqualityComparer.Default.Equals(assembly, _context.Compilation.Assembly))
            {
                Assemblies.Add(CompilationCodeContext.AssemblyKey(assembly));
                return;
            }

            AddDeclarations(definition);
            if (definition is IMethodSymbol { PartialImplementationPart: { } implementation })
            {
                AddDeclarations(implementation);
            }

            if (definition is not ITypeSymbol && (definition.IsVirtual || definition.IsAbstract || definition.IsOverride || definition.ContainingType?.TypeKind == TypeKind.Interface))
            {
                AddOverrides(definition);
            }
        }

        private void AddDeclarations(ISymbol symbol)
        {
            var references = symbol.DeclaringSyntaxReferences;
            if (references.IsEmpty)
            {
                // Synthesised (a record's Equals, an implicit constructor running field initialisers): its type's shape.
                if (symbol.ContainingType is { } type)
                {
                    Add(type);
                }

                return;
            }

            foreach (var reference in references)
            {
                if (UnitOf(reference.GetSyntax(_cancellationToken)) is { } unit && _unitSet.Add(unit))
                {
                    Units.Add(unit);
                }
            }
        }

        /// <summary>A call of a virtual, abstract or interface member may run any override or implementation in the compilation.</summary>
        private void AddOverrides(ISymbol member)
        {
            foreach (var candidate in _context.Compilation.GetSymbolsWithName(member.Name, SymbolFilter.Member, _cancellationToken))
            {
                if (Overrides(candidate, member))
                {
                    Add(candidate);
                }
            }
        }

        private static bool Overrides(ISymbol candidate, ISymbol member)
        {
            if (member.ContainingType?.TypeKind == TypeKind.Interface)
            {
                return candidate.ContainingType is { } type
                    && SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member)?.OriginalDefinition, candidate);
            }

            for (var overridden = Overridden(candidate); overridden is not null; overridden = Overridden(overridden))
            {
                if (SymbolEqualityComparer.Default.Equals(overridden.OriginalDefinition, member))
                {
                    return true;
                }
            }

            return false;
        }

        private static ISymbol? Overridden(ISymbol symbol) => symbol switch
        {
            IMethodSymbol method => method.OverriddenMethod,
            IPropertySymbol property => property.OverriddenProperty,
            IEventSymbol @event => @event.OverriddenEvent,
            _ => null,
        };
    }
}

/// <summary>A unit's direct reach, valid for compilations with <see cref="Fingerprint"/>.</summary>
/// <param name="Fingerprint">The <see cref="CompilationCodeContext.DeclarationFingerprint"/> it was computed under.</param>
/// <param name="Units">Unit nodes of the same compilation the code uses.</param>
/// <param name="Assemblies"><see cref="CompilationCodeContext.AssemblyKey"/>s of referenced assemblies the code uses.</param>
internal sealed record UnitReach(string Fingerprint, SyntaxNode[] Units, string[] Assemblies);
