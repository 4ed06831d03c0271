using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// The run side of concurrent pruning. A run that relies on content already in the store (a cached output, an input
/// file stored by an earlier run) publishes its reference only in its record, possibly after a prune has read the
/// records. So a run notes the prune epoch (<see cref="PipelinePaths.PruneEpoch"/>, advanced by every prune before it
/// reads any record) and whether a prune holds the lock, before it relies on anything; after its final record is
/// written it looks again. Unchanged epoch and no lock at the start: every prune that marked after the start also
/// read the final record, so nothing it referenced was swept. Otherwise the run waits for the prune to finish and
/// checks (and, where it still holds the value, restores) every content object its record references.
/// </summary>
internal sealed class PruneEpochCheck
{
    private static readonly byte[] EpochContent = "{}"u8.ToArray();
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly IObjectStorage _storage;
    private readonly TimeProvider _time;
    private readonly TimeSpan _staleLockAfter;
    private readonly long _epoch;
    private readonly bool _lockHeldAtStart;

    private PruneEpochCheck(IObjectStorage storage, TimeProvider time, TimeSpan staleLockAfter, long epoch, bool lockHeldAtStart)
    {
        _storage = storage;
        _time = time;
        _staleLockAfter = staleLockAfter;
        _epoch = epoch;
        _lockHeldAtStart = lockHeldAtStart;
    }

    /// <summary>Called by a prune holding the lock, before it reads any run record or cache entry.</summary>
    public static async Task AdvanceAsync(IObjectStorage storage, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(EpochContent, writable: false);
        await storage.PutAsync(PipelinePaths.PruneEpoch, content, new PutObjectOptions { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Notes the epoch, then the lock (in that order: a prune that locks after this sees its epoch change noticed).</summary>
    public static async Task<PruneEpochCheck> BeginAsync(IObjectStorage storage, TimeProvider time, CancellationToken cancellationToken)
    {
        var staleLockAfter = new PruneOptions().StaleLockAfter;
        var epoch = (await storage.StatAsync(PipelinePaths.PruneEpoch, cancellationToken).ConfigureAwait(false))?.Generation ?? 0;
        var held = await PruneLock.IsHeldAsync(storage, staleLockAfter, time, cancellationToken).ConfigureAwait(false);
        return new PruneEpochCheck(storage, time, staleLockAfter, epoch, held);
    }

    /// <summary>
    /// Called after the run's final record is written. False: no prune can have removed what it references. True: a
    /// prune overlapped the run; this returns once no prune holds the lock, and the caller must check its references.
    /// </summary>
    public async Task<bool> PruneOverlappedAsync(CancellationToken cancellationToken)
    {
        var epoch = (await _storage.StatAsync(PipelinePaths.PruneEpoch, cancellationToken).ConfigureAwait(false))?.Generation ?? 0;
        if (!_lockHeldAtStart && epoch == _epoch)
        {
            return false;
        }

        while (await PruneLock.IsHeldAsync(_storage, _staleLockAfter, _time, cancellationToken).ConfigureAwait(false))
        {
            await Task.Delay(PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
