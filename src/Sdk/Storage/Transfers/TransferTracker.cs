namespace Stagecraft.Storage.Transfers;

/// <summary>Counts a transfer's files and bytes across parallel workers and reports consistent snapshots.</summary>
internal sealed class TransferTracker(int totalFiles, long totalBytes, IProgress<TransferProgress>? progress)
{
    private readonly Lock _gate = new();
    private readonly List<string> _transferred = [];
    private readonly List<string> _skipped = [];
    private long _bytes;

    // Reported inside the lock: reported outside, two workers' snapshots can arrive in the opposite order and the
    // last report a caller sees is not the final count (seen with network latency in the GCS contract run).
    public void Transferred(string key, long bytes)
    {
        lock (_gate)
        {
            _transferred.Add(key);
            _bytes += bytes;
            progress?.Report(Snapshot(key));
        }
    }

    public void Skipped(string key)
    {
        lock (_gate)
        {
            _skipped.Add(key);
            progress?.Report(Snapshot(key));
        }
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
