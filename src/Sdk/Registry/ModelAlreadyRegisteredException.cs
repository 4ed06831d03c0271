namespace Stagecraft.Registry;

/// <summary>
/// A model is already registered for the run with different content. Records are immutable: register the new model
/// under a new run instead of rewriting history that aliases and decisions may point at.
/// </summary>
public sealed class ModelAlreadyRegisteredException : RegistryException
{
    public ModelAlreadyRegisteredException()
    {
    }

    public ModelAlreadyRegisteredException(string message)
        : base(message)
    {
    }

    public ModelAlreadyRegisteredException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="existing">The record already stored.</param>
    /// <param name="difference">Which field differs, e.g. <c>artifactSha256</c>.</param>
    public ModelAlreadyRegisteredException(RegisteredModel existing, string difference)
        : base($"Run '{existing?.RunId}' already has a registered model (registered {existing?.RegisteredAt:O} by {existing?.RegisteredBy}) that differs in {difference}; model records are immutable.")
    {
        Existing = existing;
        Difference = difference;
    }

    /// <summary>The record already stored.</summary>
    public RegisteredModel? Existing { get; }

    /// <summary>The first field that differs.</summary>
    public string? Difference { get; }
}
