namespace Stagecraft.Registry;

/// <summary>Base type of model-registry failures.</summary>
public class RegistryException : Exception
{
    public RegistryException()
    {
    }

    public RegistryException(string message)
        : base(message)
    {
    }

    public RegistryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
