namespace Stagecraft.Pipelines;

/// <summary>Marks a <c>static partial</c> class whose <see cref="StageAttribute"/> methods form one pipeline.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PipelineAttribute : Attribute
{
    /// <summary>The pipeline's name; defaults to the class name.</summary>
    public string? Name { get; set; }
}
