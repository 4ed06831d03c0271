namespace Stagecraft.Pipelines;

/// <summary>
/// Makes a stage parameter a pipeline input (named after the parameter, supplied to the generated <c>RunAsync</c>)
/// even where binding by type would pick a stage's output, or would refuse to guess: for example a <c>double</c>
/// learning rate in a pipeline that also has a stage returning <c>double</c>.
/// </summary>
/// <remarks>
/// Parameters whose type no stage of the pipeline outputs are inputs without this attribute; see
/// <see cref="FromAttribute"/> for the opposite direction.
/// </remarks>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class InputAttribute : Attribute
{
}
