namespace Stagecraft.Pipelines;

/// <summary>Marks a static method of a <see cref="PipelineAttribute"/> class as a stage.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class StageAttribute : Attribute
{
    public StageAttribute()
    {
    }

    /// <param name="name">The stage name; defaults to the method name.</param>
    public StageAttribute(string name) => Name = name;

    public string? Name { get; }

    /// <summary>Bump to invalidate cached outputs when behaviour changes outside the method body.</summary>
    public string? Version { get; set; }
}
