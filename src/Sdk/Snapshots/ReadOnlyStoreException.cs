namespace Stagecraft.Snapshots;

/// <summary>
/// A write to a store hydrated from a snapshot. A worker's view of configuration and files is what the coordinator sent;
/// writing to it would silently diverge from the coordinator, so it is refused.
/// </summary>
public sealed class ReadOnlyStoreException : SnapshotException
{
    public ReadOnlyStoreException()
    {
    }

    public ReadOnlyStoreException(string message)
        : base(message)
    {
    }

    public ReadOnlyStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="store">Which store, e.g. <c>configuration of stage 'train'</c>.</param>
    /// <param name="operation">What was attempted, e.g. <c>Set</c>.</param>
    /// <param name="key">The key or file name written.</param>
    public ReadOnlyStoreException(string store, string operation, string key)
        : base($"The {store} was hydrated from a snapshot and is read-only: {operation}('{key}') is not allowed. Write outputs to the run's output directory instead.")
    {
        Store = store;
        Operation = operation;
        Key = key;
    }

    public string? Store { get; }

    public string? Operation { get; }

    public string? Key { get; }
}
