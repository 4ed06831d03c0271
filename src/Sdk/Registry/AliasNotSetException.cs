namespace Stagecraft.Registry;

/// <summary>The alias has never been set, or was cleared.</summary>
public sealed class AliasNotSetException : RegistryException
{
    public AliasNotSetException()
    {
    }

    public AliasNotSetException(string alias)
        : base($"Alias '{alias}' does not point at any run.") => Alias = alias;

    public AliasNotSetException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public string? Alias { get; }
}
