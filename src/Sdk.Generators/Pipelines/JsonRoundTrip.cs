using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// Whether a stage output or pipeline input type can round-trip through System.Text.Json under the runtime's settings
/// (public properties and fields, named floating-point literals, records, arrays, lists, dictionaries with string or
/// primitive keys, enums, tuples). Finds what certainly cannot: no serializable state, multi-dimensional arrays,
/// delegates, pointers, <c>object</c>/<c>dynamic</c>, types JSON cannot construct. Member types are walked
/// recursively (each type once). Signal types (as the whole value) and types or members with <c>[JsonConverter]</c>
/// are the user's or the runtime's business and pass.
/// </summary>
/// <remarks>What cannot be decided from the type alone (a get-only collection, a lossy converter) is left to the
/// runtime, which serializes, deserializes and serializes again before caching anything.</remarks>
internal sealed class JsonRoundTrip
{
    private const string RecordAdvice = "return a record whose state is public properties or fields of supported types";

    private readonly HashSet<ITypeSymbol> _visited = new(SymbolEqualityComparer.Default);

    private JsonRoundTrip()
    {
    }

    private static readonly ConditionalWeakTable<SyntaxNode, Verdict> Verdicts = new();

    private sealed class Verdict
    {
        public volatile KnownVerdict? Value;
    }

    private sealed record KnownVerdict(string Fingerprint, RoundTripProblem? Problem);

    /// <summary>The first problem found in <paramref name="type"/> and the types it is built from; null when none.</summary>
    /// <remarks>
    /// The verdict depends only on declarations, so for a type declared in source it is memoised per declaration node
    /// under the compilation's declaration fingerprint (see <see cref="StageCodeReach"/>): a body edit elsewhere does not
    /// make Roslyn build every member of every output type again.
    /// </remarks>
    public static RoundTripProblem? Find(ITypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        if (type is not INamedTypeSymbol { IsGenericType: false } named || named.DeclaringSyntaxReferences.IsEmpty)
        {
            return new JsonRoundTrip().Check(type, null, isWholeValue: true);
        }

        var fingerprint = CompilationCodeContext.For(compilation).DeclarationFingerprint;
        var memo = Verdicts.GetOrCreateValue(named.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken));
        if (memo.Value is { } known && known.Fingerprint == fingerprint)
        {
            return known.Problem;
        }

        var problem = new JsonRoundTrip().Check(type, null, isWholeValue: true);
        memo.Value = new KnownVerdict(fingerprint, problem);
        return problem;
    }

    private RoundTripProblem? Check(ITypeSymbol type, string? member, bool isWholeValue)
    {
        RoundTripProblem Problem(string rule, string advice) => new(TypeFacts.ForMessage(type), member, rule, advice);

        if (type is IErrorTypeSymbol || HasAttribute(type, "JsonConverterAttribute"))
        {
            return null;
        }

        if (IsSignal(type))
        {
            return isWholeValue ? null : Problem(
                "is a signal inside another value, and the runtime stores a signal's file or directory only when the signal is the whole output",
                "return the signal from a stage of its own");
        }

        switch (type)
        {
            case IDynamicTypeSymbol:
            case { SpecialType: SpecialType.System_Object }:
                return Problem("says nothing about the data, so JSON cannot re-create the value's type", "declare the concrete type (" + RecordAdvice + ")");
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                return Problem("is a pointer, which is an address in this process, not data", RecordAdvice);
            case { TypeKind: TypeKind.Delegate }:
                return Problem("is a delegate, which is code, not data", "pass the data the code needs instead, or compute it inside the stage");
            case IArrayTypeSymbol { Rank: > 1 }:
                return Problem("is a multi-dimensional array, which System.Text.Json does not support", "use a jagged array (such as double[][]), or an NpySignal for large numeric data");
            case IArrayTypeSymbol array:
                return Check(array.ElementType, member, isWholeValue: false);
            case ITypeParameterSymbol:
                return null;
            case { TypeKind: TypeKind.Enum }:
                return null;
        }

        if (type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return Problem("is a native integer (an address or handle), which System.Text.Json does not support", "use int or long");
        }

        if (type is not INamedTypeSymbol named || IsSimpleValue(named))
        {
            return null;
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            return Check(named.TypeArguments[0], member, isWholeValue: false);
        }

        if (named.IsTupleType || IsSystemType(named, "Tuple") || IsSystemType(named, "KeyValuePair"))
        {
            return CheckAll(named.TypeArguments.Length > 0 && named.IsTupleType ? named.TupleElements.Select(e => e.Type) : named.TypeArguments, member);
        }

        if (IsSystemType(named, "Type") || named.ContainingNamespace?.ToDisplayString() is "System.Reflection" or "System.Threading.Tasks" or "System.IO")
        {
            return Problem("describes this process (code, a task or an open resource), not data", RecordAdvice + ", or a FileSignal/DirectorySignal for files");
        }

        if (Dictionary(named) is { } dictionary)
        {
            var key = dictionary.TypeArguments[0];
            if (!IsSupportedKey(key))
            {
                return Problem($"has keys of type '{TypeFacts.ForMessage(key)}', and JSON object keys are text", "use string keys (numbers, Guids and enums also work)");
            }

            return Check(dictionary.TypeArguments[1], member, isWholeValue: false);
        }

        if (Enumerable(named) is { } enumerable)
        {
            return Check(enumerable.TypeArguments[0], member, isWholeValue: false);
        }

        if (named.TypeKind == TypeKind.Interface || named.IsAbstract)
        {
            return HasAttribute(named, "JsonPolymorphicAttribute") || HasAttribute(named, "JsonDerivedTypeAttribute")
                ? null
                : Problem($"is {(named.TypeKind == TypeKind.Interface ? "an interface" : "an abstract class")}, which JSON cannot construct", "declare the concrete type, or list the derived types with [JsonDerivedType]");
        }

        if (IsInSystemNamespace(named))
        {
            if (named.AllInterfaces.Any(i => i.Name == "IEnumerable" && i.ContainingNamespace?.ToDisplayString() == "System.Collections"))
            {
                return Problem("is a collection of object, whose elements JSON cannot re-create", "use a generic collection such as List<T> of a concrete type");
            }

            return null; // Other framework types: left to the runtime's round-trip check.
        }

        if (!_visited.Add(named))
        {
            return null; // Already checked, or being checked further up (a recursive type).
        }

        if (named.TypeKind == TypeKind.Class && !HasUsableConstructor(named, out var constructorProblem))
        {
            return Problem(constructorProblem, "give it a public parameterless constructor or a single public constructor (a positional record has one), or mark one [JsonConstructor]");
        }

        var members = SerializedMembers(named);
        if (members.Count == 0 && HasInstanceState(named))
        {
            return Problem("has no public properties or fields, so it would be stored as {} and its state lost", RecordAdvice + ", or mark the members [JsonInclude]");
        }

        foreach (var (name, memberType, hasConverter) in members)
        {
            if (hasConverter)
            {
                continue;
            }

            var problem = Check(memberType, named.Name + "." + name, isWholeValue: false);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private RoundTripProblem? CheckAll(IEnumerable<ITypeSymbol> types, string? member)
    {
        foreach (var type in types)
        {
            if (Check(type, member, isWholeValue: false) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static bool IsSimpleValue(INamedTypeSymbol type) =>
        type.SpecialType is >= SpecialType.System_Boolean and <= SpecialType.System_String or SpecialType.System_DateTime
        || (IsInSystemNamespace(type) && type.Arity == 0 && type.Name is "DateTimeOffset" or "TimeSpan" or "Guid" or "Uri" or "Version" or "DateOnly" or "TimeOnly" or "Half" or "Int128" or "UInt128");

    private static bool IsSupportedKey(ITypeSymbol key) =>
        key.TypeKind == TypeKind.Enum
        || key.SpecialType is SpecialType.System_String or >= SpecialType.System_Char and <= SpecialType.System_Decimal
        || (key is INamedTypeSymbol named && IsInSystemNamespace(named) && named.Name is "Guid" or "DateTime" or "DateTimeOffset" or "DateOnly" or "TimeOnly" or "TimeSpan");

    private static INamedTypeSymbol? Dictionary(INamedTypeSymbol type) =>
        Generic(type, "IDictionary", 2, "System.Collections.Generic") ?? Generic(type, "IReadOnlyDictionary", 2, "System.Collections.Generic");

    private static INamedTypeSymbol? Enumerable(INamedTypeSymbol type) => Generic(type, "IEnumerable", 1, "System.Collections.Generic");

    /// <summary>The type itself or one of its interfaces, when it is the named generic interface.</summary>
    private static INamedTypeSymbol? Generic(INamedTypeSymbol type, string name, int arity, string ns)
    {
        foreach (var candidate in new[] { type }.Concat(type.AllInterfaces))
        {
            if (candidate.Name == name && candidate.Arity == arity && candidate.ContainingNamespace?.ToDisplayString() == ns)
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool HasUsableConstructor(INamedTypeSymbol type, out string problem)
    {
        problem = "";
        var publicConstructors = type.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public && !IsCopyConstructor(type, c)).ToList();
        if (type.InstanceConstructors.Any(c => HasAttribute(c, "JsonConstructorAttribute"))
            || publicConstructors.Any(c => c.Parameters.Length == 0)
            || publicConstructors.Count == 1)
        {
            return true;
        }

        problem = publicConstructors.Count == 0
            ? "has no public constructor, so JSON cannot create it"
            : $"has {publicConstructors.Count} public constructors with parameters and no parameterless one, so JSON cannot tell which to use";
        return false;
    }

    private static bool IsCopyConstructor(INamedTypeSymbol type, IMethodSymbol constructor) =>
        type.IsRecord && constructor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, type);

    /// <summary>Public instance properties (readable, not indexers) and fields, as System.Text.Json with IncludeFields sees them.</summary>
    private static List<(string Name, ITypeSymbol Type, bool HasConverter)> SerializedMembers(INamedTypeSymbol type)
    {
        var members = new List<(string, ITypeSymbol, bool)>();
        var names = new HashSet<string>();
        for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object && current.SpecialType != SpecialType.System_ValueType; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member.IsStatic || HasAttribute(member, "JsonIgnoreAttribute") || !names.Add(member.Name))
                {
                    continue;
                }

                var included = member.DeclaredAccessibility == Accessibility.Public || HasAttribute(member, "JsonIncludeAttribute");
                switch (member)
                {
                    case IPropertySymbol { IsIndexer: false, GetMethod: not null } property when included:
                        members.Add((property.Name, property.Type, HasAttribute(property, "JsonConverterAttribute")));
                        break;
                    case IFieldSymbol { IsConst: false } field when included:
                        members.Add((field.Name, field.Type, HasAttribute(field, "JsonConverterAttribute")));
                        break;
                }
            }
        }

        return members;
    }

    private static bool HasInstanceState(INamedTypeSymbol type)
    {
        for (var current = type; current is not null && !IsInSystemNamespace(current); current = current.BaseType)
        {
            if (current.GetMembers().Any(m => m is IFieldSymbol { IsStatic: false, IsConst: false }))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsSignal(ITypeSymbol type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.Name == "Signal" && current.ContainingType is null && current.ContainingNamespace?.ToDisplayString() == "Stagecraft.Signals")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A System.Text.Json.Serialization attribute (or one derived from it, for converter attributes).</summary>
    private static bool HasAttribute(ISymbol symbol, string name)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            for (var type = attribute.AttributeClass; type is not null; type = type.BaseType)
            {
                if (type.Name == name && type.ContainingNamespace?.ToDisplayString() == "System.Text.Json.Serialization")
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsSystemType(INamedTypeSymbol type, string name) =>
        type.Name == name && type.ContainingType is null && type.ContainingNamespace?.ToDisplayString() is "System" or "System.Collections.Generic";

    private static bool IsInSystemNamespace(INamedTypeSymbol type) => TypeFacts.IsInSystemNamespace(type);
}

/// <summary>Why a type cannot round-trip through JSON.</summary>
/// <param name="Type">The type at fault, as the compiler shows it.</param>
/// <param name="Member">The member path from the checked type (<c>Weights.Grid</c>); null when the checked type itself is at fault.</param>
/// <param name="Rule">What is wrong, phrased after the type ("is a delegate, ...").</param>
/// <param name="Advice">What to do instead.</param>
internal sealed record RoundTripProblem(string Type, string? Member, string Rule, string Advice)
{
    public string Describe() => Member is null ? $"'{Type}' {Rule}" : $"member '{Member}' of type '{Type}' {Rule}";
}
