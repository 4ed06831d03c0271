namespace Stagecraft.Pipelines;

/// <summary>Binds a stage parameter to the output of the named upstream stage.</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class FromAttribute(string stage) : Attribute
{
    public string Stage { get; } = stage;
}
