namespace Stagecraft.Storage.Transfers;

/// <summary>Counts a transfer's files and bytes across parallel workers and reports consistent snapshots.</summary>
internal sealed class TransferTracker(int totalFiles, long totalBytes, IProgress<TransferProgress>? progress)
{
    private readonly Lock _gate = new();
    private readonly List<string> _transferred = [];
    private readonly List<string> _skipped = [];
    private long _bytes;

    public void Transferred(string key, long bytes)
    {
        TransferProgress snapshot;
        lock (_gate)
        {
            _transferred.Add(key);
            _bytes += bytes;
            snapshot = Snapshot(key);
        }

        progress?.Report(snapshot);
    }

    public void Skipped(string key)
    {
        TransferProgress snapshot;
        lock (_gate)
        {
            _skipped.Add(key);
            snapshot = Snapshot(key);
        }

        progress?.Report(snapshot);
    }

    public TransferResult ToResult()
    {
        lock (_gate)
        {
            return new TransferResult(
                [.. _transferred.Order(ObjectKeyComparer.Instance)],
                [.. _skipped.Order(ObjectKeyComparer.Instance)],
                _bytes);
        }
    }

    private TransferProgress Snapshot(string key) =>
        new(totalFiles, totalBytes, _transferred.Count, _skipped.Count, _bytes, key);
}
