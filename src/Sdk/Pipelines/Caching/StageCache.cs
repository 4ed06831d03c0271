using Microsoft.Extensions.Logging;
using Stagecraft.Storage;
using Stagecraft.Storage.Json;

namespace Stagecraft.Pipelines;

/// <summary>
/// The cross-run stage cache. An entry is one object, written only after the output objects it points to are
/// stored, so an interrupted stage leaves no entry; readers still check that those objects are the recorded
/// generations before trusting an entry.
/// </summary>
internal sealed class StageCache(IObjectStorage storage, ILogger logger)
{
    public async Task<CachedEntry?> TryGetAsync(string pipeline, string stage, string fingerprint, CancellationToken cancellationToken)
    {
        var key = PipelinePaths.CacheEntry(pipeline, stage, fingerprint);
        StoredJsonDocument<StageCacheEntry>? stored;
        try
        {
            stored = await storage.TryReadJsonAsync(key, PipelineJsonContext.Default.StageCacheEntry, cancellationToken).ConfigureAwait(false);
        }
        catch (StoredDocumentException ex)
        {
            // An unreadable entry is a cache miss: the stage runs again and its fresh entry is what later runs see.
            PipelineLog.UnreadableCacheEntry(logger, key, ex);
            return null;
        }

        // The key encodes pipeline, stage and fingerprint; an entry claiming anything else is not this one.
        return stored is { Document: var entry } found && entry.Pipeline == pipeline && entry.Stage == stage && entry.Fingerprint == fingerprint
            ? new CachedEntry(entry, found.Info.Generation)
            : null;
    }

    /// <summary>Writes the completion marker. When another run already stored this fingerprint, the first entry is kept.</summary>
    public async Task PutAsync(StageCacheEntry entry, CancellationToken cancellationToken)
    {
        var key = PipelinePaths.CacheEntry(entry.Pipeline, entry.Stage, entry.Fingerprint);
        try
        {
            await storage.PutJsonAsync(key, entry, PipelineJsonContext.Default.StageCacheEntry, new PutObjectOptions { IfGenerationMatch = 0 }, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // A concurrent run computed the same fingerprint; either output is valid, and keeping the first keeps readers stable.
        }
    }

    /// <summary>Removes one entry if it is still the generation that was read (a stale entry found by a reader).</summary>
    public async Task RemoveAsync(CachedEntry cached, CancellationToken cancellationToken)
    {
        var key = PipelinePaths.CacheEntry(cached.Entry.Pipeline, cached.Entry.Stage, cached.Entry.Fingerprint);
        try
        {
            await storage.DeleteAsync(key, new DeleteObjectOptions { IfGenerationMatch = cached.Generation }, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // Someone replaced it meanwhile; theirs is newer and is checked on its own merits.
        }
        catch (ObjectNotFoundException)
        {
        }
    }

    /// <summary>Deletes every cache entry of <paramref name="stage"/> (all fingerprints) and returns how many were removed.</summary>
    public async Task<int> InvalidateAsync(string pipeline, string stage, CancellationToken cancellationToken)
    {
        var removed = 0;
        var keys = new List<string>();
        await foreach (var item in storage.ListAsync(PipelinePaths.StageCachePrefix(pipeline, stage), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (item.Object is { } obj)
            {
                keys.Add(obj.Key);
            }
        }

        foreach (var key in keys)
        {
            if (await storage.DeleteAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                removed++;
            }
        }

        PipelineLog.CacheInvalidated(logger, pipeline, stage, removed);
        return removed;
    }

    /// <summary>The names directly under <paramref name="prefix"/> (pipelines under the root, stages under a pipeline's cache), in ordinal order.</summary>
    public async Task<IReadOnlyList<string>> ListNamesAsync(string prefix, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var item in storage.ListAsync(prefix, new ListObjectsOptions { Delimiter = "/" }, cancellationToken).ConfigureAwait(false))
        {
            if (item.Prefix is { } folder)
            {
                names.Add(folder[prefix.Length..].TrimEnd('/'));
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>An entry and the generation it was read at.</summary>
    public sealed record CachedEntry(StageCacheEntry Entry, long Generation);
}
