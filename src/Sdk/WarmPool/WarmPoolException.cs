namespace Stagecraft.WarmPool;

/// <summary>Base of warm-pool failures: a stored pool document that is not readable, or a refused operation.</summary>
public class WarmPoolException : Exception
{
    public WarmPoolException()
    {
    }

    public WarmPoolException(string message)
        : base(message)
    {
    }

    public WarmPoolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
