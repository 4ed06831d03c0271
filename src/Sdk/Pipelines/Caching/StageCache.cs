using System.Runtime.CompilerServices;
using System.Text.Json;
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

    /// <summary>
    /// Every cache entry of <paramref name="pipeline"/>, with its key and generation; <see cref="StoredCacheEntry.Entry"/>
    /// is null for an entry that cannot be parsed (its references are unknown).
    /// </summary>
    public async IAsyncEnumerable<StoredCacheEntry> ListAsync(string pipeline, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var objects = new List<ObjectInfo>();
        await foreach (var item in storage.ListAsync(PipelinePaths.CachePrefix(pipeline), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (item.Object is { } obj)
            {
                objects.Add(obj);
            }
        }

        foreach (var obj in objects)
        {
            ObjectReadResult read;
            try
            {
                read = await storage.GetAsync(obj.Key, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectNotFoundException)
            {
                continue;
            }

            StageCacheEntry? entry;
            await using (read.ConfigureAwait(false))
            {
                try
                {
                    entry = await JsonSerializer.DeserializeAsync(read.Content, PipelineJsonContext.Default.StageCacheEntry, cancellationToken).ConfigureAwait(false);
                }
                catch (JsonException ex)
                {
                    PipelineLog.UnreadableCacheEntry(logger, obj.Key, ex);
                    entry = null;
                }
            }

            yield return new StoredCacheEntry(obj.Key, read.Info.Generation, entry);
        }
    }

    /// <summary>Removes the entry at <paramref name="key"/> if it is still <paramref name="generation"/>; false when it changed or is gone.</summary>
    public async Task<bool> RemoveAsync(string key, long generation, CancellationToken cancellationToken)
    {
        try
        {
            return await storage.DeleteAsync(key, new DeleteObjectOptions { IfGenerationMatch = generation }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PreconditionFailedException or ObjectNotFoundException)
        {
            return false;
        }
    }

    /// <summary>A listed cache entry: its key, generation, and content (null when unreadable).</summary>
    public sealed record StoredCacheEntry(string Key, long Generation, StageCacheEntry? Entry);

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
