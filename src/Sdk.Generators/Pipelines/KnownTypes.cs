using Microsoft.CodeAnalysis;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// Recognises the Stagecraft and BCL types the generator cares about by name, which needs no
/// <c>Compilation.GetTypeByMetadataName</c> lookup (a search through every reference) per transform.
/// </summary>
internal static class KnownTypes
{
    public const string PipelineAttributeMetadataName = "Stagecraft.Pipelines.PipelineAttribute";
    public const string StageAttributeMetadataName = "Stagecraft.Pipelines.StageAttribute";

    public static bool IsPipelineAttribute(ITypeSymbol? type) => IsStagecraftPipelinesType(type, "PipelineAttribute");

    public static bool IsStageAttribute(ITypeSymbol? type) => IsStagecraftPipelinesType(type, "StageAttribute");

    public static bool IsFromAttribute(ITypeSymbol? type) => IsStagecraftPipelinesType(type, "FromAttribute");

    public static bool IsInputAttribute(ITypeSymbol? type) => IsStagecraftPipelinesType(type, "InputAttribute");

    public static bool IsStageContext(ITypeSymbol? type) => IsStagecraftPipelinesType(type, "StageContext");

    public static bool IsCancellationToken(ITypeSymbol? type) =>
        type is INamedTypeSymbol { Name: "CancellationToken", ContainingType: null } named
        && IsNamespace(named.ContainingNamespace, "Threading", "System");

    /// <summary><c>System.Threading.Tasks.Task</c> (<paramref name="arity"/> 0) or <c>Task&lt;T&gt;</c> (1).</summary>
    public static bool IsTask(ITypeSymbol? type, int arity) => IsTasksType(type, "Task", arity);

    /// <summary><c>System.Threading.Tasks.ValueTask</c> (<paramref name="arity"/> 0) or <c>ValueTask&lt;T&gt;</c> (1).</summary>
    public static bool IsValueTask(ITypeSymbol? type, int arity) => IsTasksType(type, "ValueTask", arity);

    public static bool HasAttribute(ISymbol symbol, System.Func<ITypeSymbol?, bool> isAttribute)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (isAttribute(attribute.AttributeClass))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsStagecraftPipelinesType(ITypeSymbol? type, string name) =>
        type is INamedTypeSymbol { ContainingType: null } named
        && named.Name == name
        && IsNamespace(named.ContainingNamespace, "Pipelines", "Stagecraft");

    private static bool IsTasksType(ITypeSymbol? type, string name, int arity) =>
        type is INamedTypeSymbol { ContainingType: null } named
        && named.Name == name
        && named.Arity == arity
        && IsNamespace(named.ContainingNamespace, "Tasks", "Threading", "System");

    /// <summary>Whether <paramref name="ns"/> is exactly the namespace whose segments are <paramref name="innermostFirst"/>.</summary>
    private static bool IsNamespace(INamespaceSymbol? ns, params string[] innermostFirst)
    {
        foreach (var segment in innermostFirst)
        {
            if (ns is null || ns.IsGlobalNamespace || ns.Name != segment)
            {
                return false;
            }

            ns = ns.ContainingNamespace;
        }

        return ns is { IsGlobalNamespace: true };
    }
}
