namespace Stagecraft.Pipelines;

/// <summary>Another prune holds the store's prune lock and renewed it recently; only one prune sweeps a store at a time.</summary>
public sealed class PruneInProgressException : Exception
{
    public PruneInProgressException()
    {
    }

    public PruneInProgressException(string message)
        : base(message)
    {
    }

    public PruneInProgressException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
