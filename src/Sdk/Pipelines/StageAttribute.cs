namespace Stagecraft.Pipelines;

/// <summary>Marks a static method of a <see cref="PipelineAttribute"/> class as a stage.</summary>
/// <remarks>
/// The named properties are read by the source generator at compile time (so they must be constants) and carried
/// into the stage's <see cref="StageDescriptor"/>; invalid values are compile-time errors.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class StageAttribute : Attribute
{
    public StageAttribute()
    {
    }

    /// <param name="name">The stage name; defaults to the method name.</param>
    public StageAttribute(string name) => Name = name;

    public string? Name { get; }

    /// <summary>Bump to invalidate cached outputs when behaviour changes in code the code hash cannot see.</summary>
    public string? Version { get; set; }

    /// <summary>
    /// The resource profile the stage runs on (for example <c>"h100-spot"</c>), which the runner's placement maps to a
    /// run backend; unset means the runner's default placement. Must not be blank.
    /// </summary>
    public string? Profile { get; set; }

    /// <summary>
    /// The longest a run of the stage may take, as a <see cref="TimeSpan"/> in the invariant "c" format
    /// (<c>"02:00:00"</c>, <c>"1.12:00:00"</c>); unset means no stage-specific limit. Must be positive.
    /// </summary>
    public string? Timeout { get; set; }

    /// <summary>
    /// How many times a backend run of the stage that ended without its output is retried on a new backend run. Runs
    /// that were preempted or lost (their machine or process gone) are retried up to this many times, unset meaning
    /// once; a run that failed by its own exit code is retried only when this is above 0; a run terminated on request
    /// never. Stages run in process are not retried. Must not be negative.
    /// </summary>
    /// <remarks>Attribute properties cannot be nullable; the generator tells "unset" from 0 by whether it is written.</remarks>
    public int Retries { get; set; }
}
