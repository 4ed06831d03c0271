namespace Stagecraft.Generators.Pipelines.Model;

/// <summary>How a stage method hands back its output.</summary>
internal enum StageReturnKind
{
    /// <summary>Returns <c>T</c>.</summary>
    Value,

    /// <summary>Returns <c>Task&lt;T&gt;</c>.</summary>
    Task,

    /// <summary>Returns <c>ValueTask&lt;T&gt;</c>.</summary>
    ValueTask,
}
