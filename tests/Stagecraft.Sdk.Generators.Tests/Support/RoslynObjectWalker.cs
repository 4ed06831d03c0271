using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace Stagecraft.Sdk.Generators.Tests.Support;

/// <summary>
/// Walks an object graph through every instance field (public or not, including compiler-generated backing fields
/// and array elements) and collects Roslyn objects that a cacheable model must not hold: they root syntax trees or
/// whole compilations, and compare by reference, which defeats incremental caching.
/// </summary>
internal static class RoslynObjectWalker
{
    private static readonly Type[] Forbidden =
    [
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Compilation), typeof(Location),
        typeof(SemanticModel), typeof(SyntaxToken), typeof(SyntaxTrivia), typeof(SyntaxReference), typeof(AttributeData),
        typeof(IOperation), typeof(TypedConstant),
    ];

    /// <summary>Descriptions ("path: type") of every forbidden object reachable from <paramref name="root"/>; <paramref name="visited"/> counts the objects seen.</summary>
    public static List<string> FindRoslynObjects(object? root, out int visited)
    {
        var found = new List<string>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Walk(root, "root", found, seen);
        visited = seen.Count;
        return found;
    }

    private static void Walk(object? value, string path, List<string> found, HashSet<object> seen)
    {
        if (value is null)
        {
            return;
        }

        var type = value.GetType();
        if (Forbidden.Any(f => f.IsAssignableFrom(type)))
        {
            found.Add($"{path}: {type.FullName}");
            return;
        }

        if (type.IsPrimitive || type.IsEnum || value is string or decimal or Type)
        {
            return;
        }

        if (!type.IsValueType && !seen.Add(value))
        {
            return;
        }

        if (type.IsValueType)
        {
            seen.Add(new StrongBox<object>(value)); // counted, never equal to anything else
        }

        if (value is Array array)
        {
            var i = 0;
            foreach (var item in (IEnumerable)array)
            {
                Walk(item, $"{path}[{i++}]", found, seen);
            }

            return;
        }

        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Walk(field.GetValue(value), $"{path}.{field.Name}", found, seen);
            }
        }
    }
}
