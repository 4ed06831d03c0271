using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Stagecraft.Generators.Pipelines;

/// <summary>Questions about types and names that the binder and emitter ask.</summary>
internal static class TypeFacts
{
    /// <summary>Fully qualified, without nullable reference annotations: what <c>typeof(...)</c> accepts.</summary>
    public static readonly SymbolDisplayFormat TypeOfFormat = SymbolDisplayFormat.FullyQualifiedFormat;

    /// <summary>Fully qualified with nullable reference annotations: for declarations and casts.</summary>
    public static readonly SymbolDisplayFormat AnnotatedFormat =
        SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>How the compiler shows types in its own messages.</summary>
    public static readonly SymbolDisplayFormat MessageFormat = SymbolDisplayFormat.CSharpErrorMessageFormat;

    /// <summary>The type as <c>typeof(...)</c> accepts it: <c>dynamic</c> is <c>object</c> at run time, and <c>typeof(dynamic)</c> is CS1962.</summary>
    public static string TypeOf(ITypeSymbol type) =>
        type.TypeKind == TypeKind.Dynamic ? "object" : type.ToDisplayString(TypeOfFormat);

    public static string Annotated(ITypeSymbol type) => type.ToDisplayString(AnnotatedFormat);

    public static string ForMessage(ITypeSymbol type) => type.ToDisplayString(MessageFormat);

    /// <summary>The identifier as it must be written in source (<c>@class</c> for the keyword <c>class</c>).</summary>
    public static string EscapeIdentifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>True when the type, or any type it is built from, could not be resolved (the compiler reports those).</summary>
    public static bool ContainsErrorType(ITypeSymbol type) => type switch
    {
        IErrorTypeSymbol => true,
        IArrayTypeSymbol array => ContainsErrorType(array.ElementType),
        INamedTypeSymbol named => AnyTypeArgument(named, ContainsErrorType),
        _ => false,
    };

    /// <summary>
    /// Whether a stage output of this type may be null: <c>Nullable&lt;T&gt;</c>, an annotated reference type (<c>T?</c>),
    /// or a reference type written where nullable annotations are off (nothing declares it non-null there).
    /// </summary>
    public static bool AdmitsNull(ITypeSymbol type) =>
        type.IsValueType
            ? type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
            : type.NullableAnnotation != NullableAnnotation.NotAnnotated;

    /// <summary>A value of this type cannot travel as <c>object</c> (boxing is impossible).</summary>
    public static bool CannotBeBoxed(ITypeSymbol type) =>
        type.IsRefLikeType || type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer;

    /// <summary>
    /// True when the type is built only from types in <c>System</c> or its sub-namespaces (<c>int</c>, <c>string</c>,
    /// <c>double[]</c>, <c>List&lt;float&gt;</c>, <c>(int, int)</c>, <c>Dictionary&lt;string, object&gt;</c>): such a type says nothing about
    /// what the data is, so two stages sharing it is more likely coincidence than data flow, and it is never bound by type.
    /// </summary>
    public static bool MentionsOnlySystemTypes(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => MentionsOnlySystemTypes(array.ElementType),
        IDynamicTypeSymbol => true,
        INamedTypeSymbol named => IsInSystemNamespace(named) && AllTypeArguments(named, MentionsOnlySystemTypes),
        _ => false,
    };

    /// <summary>The widest accessibility a member can have whose signature mentions <paramref name="type"/>.</summary>
    public static Accessibility EffectiveAccessibility(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return EffectiveAccessibility(array.ElementType);
            case INamedTypeSymbol named:
                var result = named.DeclaredAccessibility == Accessibility.NotApplicable ? Accessibility.Public : named.DeclaredAccessibility;
                for (var outer = named.ContainingType; outer is not null; outer = outer.ContainingType)
                {
                    result = Narrower(result, outer.DeclaredAccessibility);
                }

                foreach (var argument in named.TypeArguments)
                {
                    result = Narrower(result, EffectiveAccessibility(argument));
                }

                return result;
            default:
                return Accessibility.Public;
        }
    }

    /// <summary>The keyword for a generated member whose signature mentions types of this accessibility; null when only <c>private</c> fits.</summary>
    public static string? MemberKeyword(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Public => "public",
        Accessibility.Internal or Accessibility.ProtectedOrInternal => "internal",
        _ => null,
    };

    public static Accessibility Narrower(Accessibility a, Accessibility b) => Rank(a) <= Rank(b) ? a : b;

    private static int Rank(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Public or Accessibility.NotApplicable => 5,
        Accessibility.ProtectedOrInternal => 4,
        Accessibility.Internal => 3,
        Accessibility.Protected => 2,
        Accessibility.ProtectedAndInternal => 1,
        _ => 0,
    };

    public static bool IsInSystemNamespace(INamedTypeSymbol type)
    {
        var outermost = type;
        while (outermost.ContainingType is not null)
        {
            outermost = outermost.ContainingType;
        }

        var ns = outermost.ContainingNamespace;
        if (ns is null || ns.IsGlobalNamespace)
        {
            return false;
        }

        while (!ns.ContainingNamespace.IsGlobalNamespace)
        {
            ns = ns.ContainingNamespace;
        }

        return ns.Name == "System";
    }

    private static bool AnyTypeArgument(INamedTypeSymbol type, System.Func<ITypeSymbol, bool> predicate)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            foreach (var argument in current.TypeArguments)
            {
                if (predicate(argument))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool AllTypeArguments(INamedTypeSymbol type, System.Func<ITypeSymbol, bool> predicate) =>
        !AnyTypeArgument(type, t => !predicate(t));
}
