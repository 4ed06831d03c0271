using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// Removes old pipeline runs and the content only they referenced (mark and sweep), under the store's prune lock.
/// </summary>
/// <remarks>
/// The order of deletions is what makes a killed prune harmless: a run's record goes before the run's other objects
/// (behind a marker that lets the next prune finish the removal), cache entries before content, and content is
/// deleted only after every remaining run record and cache entry has been read and found not to reference it — so a
/// reference that still exists always resolves. Content younger than the grace period is never deleted (a run that is
/// storing outputs has not published its references yet), and a run that relied on existing content while a prune
/// swept checks its references afterwards (see <see cref="PruneEpochCheck"/>).
/// </remarks>
internal sealed class StorePruner(PipelineRunner runner, PruneOptions options)
{
    private const int ProgressEvery = 100;

    private readonly IObjectStorage _storage = runner.Storage;
    private readonly ILogger _logger = runner.Logger;

    public async Task<PruneResult> RunAsync(CancellationToken cancellationToken)
    {
        var startedAt = runner.TimeProvider.GetUtcNow();
        if (options.DryRun)
        {
            return await PlanAsync(startedAt, cancellationToken).ConfigureAwait(false);
        }

        var pruneLock = await PruneLock.AcquireAsync(_storage, runner.HostName, options.StaleLockAfter, runner.TimeProvider, cancellationToken).ConfigureAwait(false);
        await using (pruneLock.ConfigureAwait(false))
        {
            // Runs that started relying on existing content before this point see the new epoch when they finish
            // and check their references; every later reference is either seen by the marking below or younger
            // than the grace period.
            await PruneEpochCheck.AdvanceAsync(_storage, cancellationToken).ConfigureAwait(false);

            Report(PrunePhase.ReadingRuns, 0, null);
            var runs = await ReadRunsAsync(cancellationToken).ConfigureAwait(false);
            var chosen = Choose(runs, startedAt);
            PruneLog.Started(_logger, runs.Count(r => r.Stored is not null), chosen.Count);

            var removed = ImmutableArray.CreateBuilder<string>();
            for (var i = 0; i < chosen.Count; i++)
            {
                Report(PrunePhase.RemovingRuns, i, chosen.Count);
                await pruneLock.RenewIfDueAsync(cancellationToken).ConfigureAwait(false);
                if (IsAbandoned(chosen[i], startedAt) && chosen[i].Stored!.Record.Owner is { } owner)
                {
                    PruneLog.RunAbandoned(_logger, chosen[i].RunId, owner.Id, owner.Host, owner.Heartbeat);
                }

                if (await RemoveRunAsync(chosen[i], cancellationToken).ConfigureAwait(false))
                {
                    removed.Add(chosen[i].RunId);
                }
            }

            Report(PrunePhase.RemovingRuns, chosen.Count, chosen.Count);
            var chosenIds = chosen.Select(r => r.RunId).ToHashSet(StringComparer.Ordinal);
            foreach (var run in runs.Where(r => r.Stored is not null && r.Marker is not null && !chosenIds.Contains(r.RunId)))
            {
                // An interrupted prune had chosen this run, but by today's rules it stays: drop the stale marker.
                await _storage.DeleteAsync(PipelinePaths.PruneMarker(run.RunId), cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            var remaining = runs.Where(r => r.Stored is not null && !removed.Contains(r.RunId)).ToList();
            var removedEntries = options.RemoveCacheEntriesOfRemovedRuns
                ? await RemoveCacheEntriesAsync(remaining, pruneLock, cancellationToken).ConfigureAwait(false)
                : 0;

            var referenced = await MarkAsync(await ReadRunsAsync(cancellationToken).ConfigureAwait(false), new HashSet<string>(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
            var (objects, bytes, young) = referenced is null
                ? (0, 0L, 0)
                : await SweepAsync(referenced, startedAt - options.ContentGracePeriod, pruneLock, cancellationToken).ConfigureAwait(false);

            PruneLog.Finished(_logger, removed.Count, removedEntries, objects, bytes, young);
            var removedIds = removed.ToImmutable();
            return new PruneResult
            {
                RemovedRuns = removedIds,
                AbandonedRuns = [.. chosen.Where(r => IsAbandoned(r, startedAt) && removedIds.Contains(r.RunId)).Select(r => r.RunId)],
                KeptRuns = remaining.Count,
                RemovedCacheEntries = removedEntries,
                RemovedContentObjects = objects,
                RemovedContentBytes = bytes,
                UnreferencedContentKept = young,
            };
        }
    }

    /// <summary>Every run folder with a pipeline record or a prune marker (other runs — backend runs — are not pipeline runs).</summary>
    private async Task<List<RunEntry>> ReadRunsAsync(CancellationToken cancellationToken)
    {
        var runs = new List<RunEntry>();
        foreach (var runId in await ListRunIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            PipelineRunStore.StoredRunRecord? stored;
            try
            {
                stored = await runner.Records.TryReadAsync(runId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException)
            {
                // Unknown content: never removed, and its references are unknown, so the sweep is skipped.
                PruneLog.UnreadableDocument(_logger, PipelinePaths.PipelineRecord(runId), ex);
                runs.Add(new RunEntry(runId, null, null, Unreadable: true));
                continue;
            }

            var marker = await ReadMarkerAsync(runId, cancellationToken).ConfigureAwait(false);
            if (stored is not null || marker is not null)
            {
                runs.Add(new RunEntry(runId, stored, marker, Unreadable: false));
            }
        }

        return runs;
    }

    private async Task<List<string>> ListRunIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var item in _storage.ListAsync(RunPaths.RootPrefix, new ListObjectsOptions { Delimiter = "/" }, cancellationToken).ConfigureAwait(false))
        {
            if (item.Prefix is { } prefix && RunId.IsValid(prefix[RunPaths.RootPrefix.Length..^1]))
            {
                ids.Add(prefix[RunPaths.RootPrefix.Length..^1]);
            }
        }

        return ids;
    }

    /// <summary>
    /// The runs to remove: interrupted removals, then per pipeline the finished or abandoned runs the age or count rule
    /// selects. A run whose record says Running is touched only when it is abandoned (see <see cref="IsAbandoned"/>).
    /// </summary>
    private List<RunEntry> Choose(List<RunEntry> runs, DateTimeOffset now)
    {
        var chosen = runs.Where(r => r.Stored is null && r.Marker is not null && (options.Pipeline is null || r.Marker.Pipeline == options.Pipeline)).ToList();
        foreach (var pipeline in runs.Where(r => r.Stored is not null).GroupBy(r => r.Stored!.Record.Pipeline, StringComparer.Ordinal))
        {
            if (options.Pipeline is not null && pipeline.Key != options.Pipeline)
            {
                continue;
            }

            var newestFirst = pipeline.OrderByDescending(r => r.Stored!.Record.StartedAt).ThenByDescending(r => r.RunId, StringComparer.Ordinal).ToList();
            for (var i = 0; i < newestFirst.Count; i++)
            {
                var record = newestFirst[i].Stored!.Record;
                var tooOld = options.OlderThan is { } cutoff && record.StartedAt < cutoff;
                var beyondCount = options.KeepLatest is { } keep && i >= keep;
                if ((record.Status != PipelineRunStatus.Running || IsAbandoned(newestFirst[i], now)) && (tooOld || beyondCount))
                {
                    chosen.Add(newestFirst[i]);
                }
            }
        }

        return chosen;
    }

    /// <summary>
    /// Whether the run's record says Running but its owner is provably gone: the owner's heartbeat is older than the
    /// runner's <see cref="PipelineRunnerOptions.OwnerLeaseTimeout"/>, or the owner ran on this host and its process has
    /// exited — the rule <see cref="PipelineRunner.ResumeAsync"/> uses to take a run over. A Running record without an
    /// owner (written before runs recorded one) proves nothing and is never abandoned.
    /// </summary>
    private bool IsAbandoned(RunEntry run, DateTimeOffset now) =>
        run.Stored?.Record is { Status: PipelineRunStatus.Running, Owner: { } owner }
        && !RunOwnership.IsAlive(owner, runner.HostName, now, runner.OwnerLeaseTimeout);

    /// <summary>
    /// Marker, then the record (only if unchanged since it was read), then the run's other objects and its backend
    /// runs' folders, then the marker. Returns false when the run changed meanwhile and is kept.
    /// </summary>
    private async Task<bool> RemoveRunAsync(RunEntry run, CancellationToken cancellationToken)
    {
        var paths = new RunPaths(run.RunId);
        var marker = run.Marker;
        if (run.Stored is { } stored)
        {
            marker = new PruneMarkerDocument(
                run.RunId,
                stored.Record.Pipeline,
                [.. stored.Record.Stages.Select(s => s.BackendRunId).OfType<string>().Where(RunId.IsValid).Distinct(StringComparer.Ordinal)]);
            using (var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(marker, PipelineJsonContext.Default.PruneMarkerDocument), writable: false))
            {
                await _storage.PutAsync(PipelinePaths.PruneMarker(run.RunId), content, new PutObjectOptions { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await _storage.DeleteAsync(PipelinePaths.PipelineRecord(run.RunId), new DeleteObjectOptions { IfGenerationMatch = stored.Generation }, cancellationToken).ConfigureAwait(false);
            }
            catch (PreconditionFailedException)
            {
                PruneLog.RunChanged(_logger, run.RunId);
                await _storage.DeleteAsync(PipelinePaths.PruneMarker(run.RunId), cancellationToken: cancellationToken).ConfigureAwait(false);
                return false;
            }
        }

        await DeletePrefixAsync(paths.Root, except: PipelinePaths.PruneMarker(run.RunId), cancellationToken).ConfigureAwait(false);
        foreach (var backendRunId in marker!.BackendRunIds)
        {
            await DeletePrefixAsync(new RunPaths(backendRunId).Root, except: null, cancellationToken).ConfigureAwait(false);
        }

        await _storage.DeleteAsync(PipelinePaths.PruneMarker(run.RunId), cancellationToken: cancellationToken).ConfigureAwait(false);
        PruneLog.RunRemoved(_logger, run.RunId, marker.Pipeline);
        return true;
    }

    /// <summary>Removes the cache entries <see cref="SelectCacheEntriesAsync"/> chooses; returns how many went.</summary>
    private async Task<int> RemoveCacheEntriesAsync(List<RunEntry> remaining, PruneLock pruneLock, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var stored in await SelectCacheEntriesAsync(remaining, cancellationToken).ConfigureAwait(false))
        {
            await pruneLock.RenewIfDueAsync(cancellationToken).ConfigureAwait(false);
            if (await runner.Cache.RemoveAsync(stored.Key, stored.Generation, cancellationToken).ConfigureAwait(false))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Cache entries whose run no longer exists, unless a remaining run's stage has the entry's fingerprint.</summary>
    private async Task<List<StageCache.StoredCacheEntry>> SelectCacheEntriesAsync(List<RunEntry> remaining, CancellationToken cancellationToken)
    {
        var existingRuns = remaining.Select(r => r.RunId).ToHashSet(StringComparer.Ordinal);
        var used = remaining
            .SelectMany(r => r.Stored!.Record.Stages.Where(s => s.Fingerprint is not null).Select(s => (r.Stored!.Record.Pipeline, s.Stage, s.Fingerprint!)))
            .ToHashSet();
        var selected = new List<StageCache.StoredCacheEntry>();
        var seen = 0;
        foreach (var pipeline in await runner.Cache.ListNamesAsync(PipelinePaths.RootPrefix, cancellationToken).ConfigureAwait(false))
        {
            if (options.Pipeline is not null && pipeline != options.Pipeline)
            {
                continue;
            }

            await foreach (var stored in runner.Cache.ListAsync(pipeline, cancellationToken).ConfigureAwait(false))
            {
                Report(PrunePhase.RemovingCacheEntries, ++seen, null);
                if (stored.Entry is { } entry && !existingRuns.Contains(entry.RunId) && !used.Contains((entry.Pipeline, entry.Stage, entry.Fingerprint)))
                {
                    selected.Add(stored);
                }
            }
        }

        return selected;
    }

    /// <summary>
    /// Every content key referenced by one of <paramref name="runs"/> or by a cache entry not in
    /// <paramref name="excludedCacheEntries"/>; null when one of them could not be read.
    /// </summary>
    private async Task<HashSet<string>?> MarkAsync(IEnumerable<RunEntry> runs, IReadOnlySet<string> excludedCacheEntries, CancellationToken cancellationToken)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var read = 0;
        foreach (var run in runs)
        {
            Report(PrunePhase.MarkingReferences, ++read, null);
            if (run.Unreadable)
            {
                return null;
            }

            if (run.Stored?.Record is { } record)
            {
                AddReferences(referenced, record.Inputs.Select(i => i.Value));
                AddReferences(referenced, record.Stages.Select(s => s.Output).OfType<StoredValue>());
            }
        }

        foreach (var pipeline in await runner.Cache.ListNamesAsync(PipelinePaths.RootPrefix, cancellationToken).ConfigureAwait(false))
        {
            await foreach (var stored in runner.Cache.ListAsync(pipeline, cancellationToken).ConfigureAwait(false))
            {
                Report(PrunePhase.MarkingReferences, ++read, null);
                if (excludedCacheEntries.Contains(stored.Key))
                {
                    continue;
                }

                if (stored.Entry is null)
                {
                    return null;
                }

                AddReferences(referenced, [stored.Entry.Output]);
            }
        }

        return referenced;
    }

    /// <summary>
    /// What a prune would do now, without taking the lock or changing anything: the same choice of runs and cache
    /// entries, and the content that nothing left would reference and that is older than the grace period.
    /// </summary>
    private async Task<PruneResult> PlanAsync(DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        Report(PrunePhase.ReadingRuns, 0, null);
        var runs = await ReadRunsAsync(cancellationToken).ConfigureAwait(false);
        var chosen = Choose(runs, startedAt);
        var chosenIds = chosen.Select(r => r.RunId).ToHashSet(StringComparer.Ordinal);
        var remaining = runs.Where(r => r.Stored is not null && !chosenIds.Contains(r.RunId)).ToList();
        var entries = options.RemoveCacheEntriesOfRemovedRuns ? await SelectCacheEntriesAsync(remaining, cancellationToken).ConfigureAwait(false) : [];
        var referenced = await MarkAsync(runs.Where(r => !chosenIds.Contains(r.RunId)), entries.Select(e => e.Key).ToHashSet(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
        var (objects, bytes, young) = (0, 0L, 0);
        if (referenced is not null)
        {
            var (candidates, youngCount) = await ListSweepCandidatesAsync(referenced, startedAt - options.ContentGracePeriod, cancellationToken).ConfigureAwait(false);
            (objects, bytes, young) = (candidates.Count, candidates.Sum(c => c.Size), youngCount);
        }

        return new PruneResult
        {
            DryRun = true,
            RemovedRuns = [.. chosen.Select(r => r.RunId)],
            AbandonedRuns = [.. chosen.Where(r => IsAbandoned(r, startedAt)).Select(r => r.RunId)],
            KeptRuns = remaining.Count,
            RemovedCacheEntries = entries.Count,
            RemovedContentObjects = objects,
            RemovedContentBytes = bytes,
            UnreferencedContentKept = young,
        };
    }

    private static void AddReferences(HashSet<string> referenced, IEnumerable<StoredValue> values)
    {
        foreach (var value in values)
        {
            foreach (var obj in value.Objects.IsDefault ? [] : value.Objects)
            {
                referenced.Add(obj.Key);
            }
        }
    }

    /// <summary>Content objects nothing in <paramref name="referenced"/> names and older than the grace period, and how many younger ones are kept.</summary>
    private async Task<(List<ObjectInfo> Candidates, int Young)> ListSweepCandidatesAsync(HashSet<string> referenced, DateTimeOffset youngerIsKept, CancellationToken cancellationToken)
    {
        var candidates = new List<ObjectInfo>();
        var young = 0;
        await foreach (var item in _storage.ListAsync(PipelinePaths.ContentPrefix, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (item.Object is not { } obj || referenced.Contains(obj.Key) || PipelinePaths.ContentDigest(obj.Key) is null)
            {
                continue;
            }

            if (obj.Updated >= youngerIsKept)
            {
                young++;
            }
            else
            {
                candidates.Add(obj);
            }
        }

        return (candidates, young);
    }

    private async Task<(int Objects, long Bytes, int Young)> SweepAsync(HashSet<string> referenced, DateTimeOffset youngerIsKept, PruneLock pruneLock, CancellationToken cancellationToken)
    {
        var (candidates, young) = await ListSweepCandidatesAsync(referenced, youngerIsKept, cancellationToken).ConfigureAwait(false);
        var (objects, bytes) = (0, 0L);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (i % ProgressEvery == 0)
            {
                Report(PrunePhase.SweepingContent, i, candidates.Count);
                await pruneLock.RenewIfDueAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                if (await _storage.DeleteAsync(candidates[i].Key, new DeleteObjectOptions { IfGenerationMatch = candidates[i].Generation }, cancellationToken).ConfigureAwait(false))
                {
                    objects++;
                    bytes += candidates[i].Size;
                }
            }
            catch (PreconditionFailedException)
            {
                // Stored again since the listing: new content, not this prune's to judge.
            }
        }

        Report(PrunePhase.SweepingContent, candidates.Count, candidates.Count);
        return (objects, bytes, young);
    }

    private async Task<PruneMarkerDocument?> ReadMarkerAsync(string runId, CancellationToken cancellationToken)
    {
        ObjectReadResult read;
        try
        {
            read = await _storage.GetAsync(PipelinePaths.PruneMarker(runId), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }

        await using (read.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync(read.Content, PipelineJsonContext.Default.PruneMarkerDocument, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                // A marker torn by a crash: the removal restarts from the record (if any) with a fresh marker.
                return null;
            }
        }
    }

    private async Task DeletePrefixAsync(string prefix, string? except, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var item in _storage.ListAsync(prefix, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (item.Object is { } obj && obj.Key != except)
            {
                keys.Add(obj.Key);
            }
        }

        foreach (var key in keys)
        {
            await _storage.DeleteAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private void Report(PrunePhase phase, long completed, long? total)
    {
        if (options.Progress is { } progress && (total is not null || completed % ProgressEvery == 0))
        {
            progress.Report(new PruneProgress(phase, completed, total));
        }
    }

    private sealed record RunEntry(string RunId, PipelineRunStore.StoredRunRecord? Stored, PruneMarkerDocument? Marker, bool Unreadable);
}
