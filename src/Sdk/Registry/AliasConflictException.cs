using System.Globalization;

namespace Stagecraft.Registry;

/// <summary>
/// The alias was not at the generation the caller expected: someone else moved it first. Resolve it again, decide
/// again with the fresh value, and retry (or give up) — never blindly overwrite.
/// </summary>
public sealed class AliasConflictException : RegistryException
{
    public AliasConflictException()
    {
    }

    public AliasConflictException(string message)
        : base(message)
    {
    }

    public AliasConflictException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="alias">The alias.</param>
    /// <param name="expectedGeneration">The generation the caller required (0 = never set).</param>
    /// <param name="actualGeneration">The generation found (0 = never set), or null when the store did not say.</param>
    /// <param name="actualRunId">The run the alias points at now, when known.</param>
    /// <param name="innerException">The storage precondition failure, if that is how the conflict surfaced.</param>
    public AliasConflictException(string alias, long expectedGeneration, long? actualGeneration, string? actualRunId, Exception? innerException = null)
        : base(
            $"Alias '{alias}' moved concurrently: expected generation {expectedGeneration}, found {(actualGeneration is { } g ? g.ToString(CultureInfo.InvariantCulture) : "a newer one")}" +
            (actualRunId is null ? "." : $" (now at run '{actualRunId}')."),
            innerException)
    {
        Alias = alias;
        ExpectedGeneration = expectedGeneration;
        ActualGeneration = actualGeneration;
        ActualRunId = actualRunId;
    }

    public string? Alias { get; }

    public long ExpectedGeneration { get; }

    /// <summary>The generation found (0 = never set), or null when unknown.</summary>
    public long? ActualGeneration { get; }

    /// <summary>The run the alias pointed at when the conflict was detected, when known.</summary>
    public string? ActualRunId { get; }
}
