using System.Text.Json;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// The store-wide prune lock (<see cref="PipelinePaths.PruneLock"/>): one prune at a time, renewed while it works, taken
/// over when its holder stopped renewing it (a killed prune). Every write is conditional on the generation this holder
/// last wrote, so a holder that was taken over notices at its next renewal and stops before deleting more.
/// </summary>
internal sealed class PruneLock : IAsyncDisposable
{
    private readonly IObjectStorage _storage;
    private readonly TimeProvider _time;
    private readonly TimeSpan _staleAfter;
    private readonly PruneLockDocument _document;
    private long _generation;
    private long _renewedTimestamp;

    private PruneLock(IObjectStorage storage, TimeProvider time, TimeSpan staleAfter, PruneLockDocument document, long generation)
    {
        _storage = storage;
        _time = time;
        _staleAfter = staleAfter;
        _document = document;
        _generation = generation;
        _renewedTimestamp = time.GetTimestamp();
    }

    /// <exception cref="PruneInProgressException">A live prune holds the lock.</exception>
    public static async Task<PruneLock> AcquireAsync(IObjectStorage storage, string host, TimeSpan staleAfter, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var document = new PruneLockDocument(Guid.NewGuid().ToString("N"), host, now, now);
        try
        {
            return new PruneLock(storage, time, staleAfter, document, await WriteAsync(storage, document, 0, cancellationToken).ConfigureAwait(false));
        }
        catch (PreconditionFailedException)
        {
        }

        var (held, generation) = await ReadAsync(storage, cancellationToken).ConfigureAwait(false);
        if (held is not null && held.RenewedAt + staleAfter > now)
        {
            throw new PruneInProgressException(
                $"Another prune (owner {held.Owner} on host '{held.Host}', started {held.StartedAt:O}) holds '{PipelinePaths.PruneLock}' and renewed it at {held.RenewedAt:O}; a lock is taken over only after {staleAfter} without renewal.");
        }

        try
        {
            // The holder stopped renewing (or the lock vanished meanwhile): take it over, unless someone else just did.
            return new PruneLock(storage, time, staleAfter, document, await WriteAsync(storage, document, generation, cancellationToken).ConfigureAwait(false));
        }
        catch (PreconditionFailedException ex)
        {
            throw new PruneInProgressException($"Another prune took over '{PipelinePaths.PruneLock}' at the same time as this one.", ex);
        }
    }

    /// <summary>Renews the lock when a third of the stale interval has passed since the last renewal.</summary>
    /// <exception cref="PruneInProgressException">Another prune took the lock over: this one must stop deleting.</exception>
    public async Task RenewIfDueAsync(CancellationToken cancellationToken)
    {
        if (_time.GetElapsedTime(_renewedTimestamp) < _staleAfter / 3)
        {
            return;
        }

        try
        {
            _generation = await WriteAsync(_storage, _document with { RenewedAt = _time.GetUtcNow() }, _generation, cancellationToken).ConfigureAwait(false);
            _renewedTimestamp = _time.GetTimestamp();
        }
        catch (PreconditionFailedException ex)
        {
            throw new PruneInProgressException($"This prune's lock '{PipelinePaths.PruneLock}' was taken over by another prune (it was not renewed within {_staleAfter}); this prune stopped.", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _storage.DeleteAsync(PipelinePaths.PruneLock, new DeleteObjectOptions { IfGenerationMatch = _generation }).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // Taken over: the lock is someone else's now.
        }
    }

    /// <summary>Whether a prune holds the lock right now (a lock not renewed within <paramref name="staleAfter"/> does not count).</summary>
    public static async Task<bool> IsHeldAsync(IObjectStorage storage, TimeSpan staleAfter, TimeProvider time, CancellationToken cancellationToken)
    {
        var (held, _) = await ReadAsync(storage, cancellationToken).ConfigureAwait(false);
        return held is not null && held.RenewedAt + staleAfter > time.GetUtcNow();
    }

    private static async Task<long> WriteAsync(IObjectStorage storage, PruneLockDocument document, long expectedGeneration, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(document, PipelineJsonContext.Default.PruneLockDocument), writable: false);
        var info = await storage.PutAsync(PipelinePaths.PruneLock, content, new PutObjectOptions { IfGenerationMatch = expectedGeneration, ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        return info.Generation;
    }

    /// <summary>The lock's document and generation; (null, 0) when there is none, (null, generation) when it is unreadable.</summary>
    private static async Task<(PruneLockDocument? Document, long Generation)> ReadAsync(IObjectStorage storage, CancellationToken cancellationToken)
    {
        ObjectReadResult read;
        try
        {
            read = await storage.GetAsync(PipelinePaths.PruneLock, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            return (null, 0);
        }

        await using (read.ConfigureAwait(false))
        {
            try
            {
                return (await JsonSerializer.DeserializeAsync(read.Content, PipelineJsonContext.Default.PruneLockDocument, cancellationToken).ConfigureAwait(false), read.Info.Generation);
            }
            catch (JsonException)
            {
                // A lock whose owner cannot be read can only be treated as stale (taken over by generation).
                return (null, read.Info.Generation);
            }
        }
    }
}
