using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stagecraft.IO;
using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.Storage.Json;
using Stagecraft.Storage.Transfers;
using Stagecraft.Telemetry;

namespace Stagecraft.References;

/// <summary>
/// Laptop side of upload-back: merges the key slices workers uploaded to <c>runs/{runId}/post_run/{kind}/{shard}/{key}/</c>
/// into the local reference root, and reports what it did.
/// </summary>
/// <remarks>
/// <para>Per key, under the key's lock (shared with builds and seeding):</para>
/// <list type="number">
/// <item>Slices without <see cref="ReferenceFileNames.UploadComplete"/> or <see cref="ReferenceFileNames.SourceMtimes"/>, with a
/// path escaping the key directory, or listing a file that is missing, are ignored and reported. The sidecar is the
/// slice's manifest: objects it does not list (left by an earlier, interrupted upload) are not part of the slice, and
/// objects are never listed one by one (shards and keys are found by delimited listing).</item>
/// <item>No cloud marker → the key is skipped. Otherwise the newest cloud marker (by source time) wins, and per file the
/// newest source time wins among the slices built for that marker's fingerprint; slices of other fingerprints are ignored
/// (reported), so files of two fingerprints are never mixed.</item>
/// <item>Whole-key rule: if the cloud marker is newer than the local marker (or there is none), the cloud tree wins as a
/// unit: the picked files, each with its source time, and the marker last, are written to a staging sibling, which
/// replaces the key's directory atomically. Local files not in the picks and emptied directories are gone with the old
/// tree. Otherwise nothing at all is touched.</item>
/// </list>
/// <para>
/// Replacing the directory rather than editing it in place gives the steps of the rule (unlink the local marker, delete
/// stale files, sweep empty directories, replace each pick, marker last) in one rename: readers and crash survivors see
/// the old reference or the new one. A merge killed at any point leaves hidden leftovers that the next holder of the
/// key's lock removes, and a tree left aside by a kill between the two renames is restored before the local marker is
/// compared (so a crash can never make an older cloud tree win).
/// </para>
/// <para>
/// Every download is verified (length and CRC32C). A slice re-uploaded while it is being merged (its
/// <see cref="ReferenceFileNames.UploadComplete"/> changed generation) makes the key skipped, not mixed.
/// </para>
/// </remarks>
public sealed partial class PostRunMerger
{
    private const int MaxSidecarBytes = 64 * 1024 * 1024;
    private const int CopyBufferSize = 128 * 1024;
    private const int MaxKeysAtOnce = 4;

    private readonly IObjectStorage _storage;
    private readonly PostRunMergerOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a merger reading from <paramref name="storage"/>.</summary>
    public PostRunMerger(IObjectStorage storage, PostRunMergerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
        _options = options ?? PostRunMergerOptions.Default;
        _logger = _options.LoggerFactory.CreateLogger<PostRunMerger>();
        _options.Validate();
    }

    /// <summary>
    /// Merges the run's uploaded slices of <paramref name="kind"/> into <paramref name="localRoot"/> and persists the
    /// report to <c>ReferencePaths.MergeReport</c> (best effort: a failure to write it is logged, the report is still returned).
    /// </summary>
    /// <param name="runId">The run.</param>
    /// <param name="kind">The reference kind (one path segment).</param>
    /// <param name="localRoot">The local reference root (a <see cref="ReferenceStore"/> root).</param>
    /// <param name="cancellationToken">Cancels between files; a key being merged keeps its previous tree.</param>
    /// <exception cref="StorageException">The run's slices could not be listed (nothing was read or changed).</exception>
    public async Task<MergeReport> MergeAsync(string runId, string kind, string localRoot, CancellationToken cancellationToken = default)
    {
        var paths = new ReferencePaths(runId);
        var kindPrefix = paths.PostRunKind(kind);
        var layout = new ReferenceLayout(localRoot);
        var started = _options.TimeProvider.GetUtcNow();
        using var activity = ReferenceTelemetry.Start("reference.post_run_merge");
        activity?.SetTag(StagecraftTags.RunId, runId);
        activity?.SetTag(StagecraftTags.ReferenceKind, kind);

        var (slices, ignored) = await ListSlicesAsync(kindPrefix, cancellationToken).ConfigureAwait(false);
        // Each slice costs a few small reads (completion marker, manifest, marker): read many at once, which matters on
        // Cloud Storage where each is a round trip. Results keep the listing's order.
        var reads = new (CompleteSlice? Slice, IgnoredShard? Ignored)[slices.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, slices.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var slice = slices[i];
                reads[i] = ReferenceKey.Explain(slice.Key) is { } rule
                    ? (null, new IgnoredShard(slice.Shard, slice.Key, IgnoredShardCode.InvalidKey, $"'{slice.Key}' is not a reference key: {rule}"))
                    : await ReadSliceAsync(slice, layout.KeyDirectory(slice.Key), ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        var complete = reads.Select(r => r.Slice).OfType<CompleteSlice>().ToList();
        ignored.AddRange(reads.Select(r => r.Ignored).OfType<IgnoredShard>());

        // Keys are merged a few at a time so one key's serial steps (lock, marker, swap, old-tree removal) overlap other
        // keys' downloads; downloads of all keys share one limit.
        var keys = slices.Select(s => s.Key).Where(ReferenceKey.IsValid).Distinct().Order(StringComparer.Ordinal).ToList();
        var completeByKey = complete.ToLookup(c => c.Key, StringComparer.Ordinal);
        var ignoredByKey = ignored.Where(i => i.Key is not null).ToLookup(i => i.Key!, StringComparer.Ordinal);
        var outcomes = new ConcurrentDictionary<string, KeyOutcome>(StringComparer.Ordinal);
        var finished = 0;
        using (var downloads = new SemaphoreSlim(_options.MaxParallelism))
        {
            await Parallel.ForEachAsync(
                keys,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Min(MaxKeysAtOnce, _options.MaxParallelism), CancellationToken = cancellationToken },
                async (key, ct) =>
                {
                    var keyIgnored = ignoredByKey[key].ToList();
                    var known = keyIgnored.Count;
                    var (m, skip) = await MergeKeyAsync(layout, key, completeByKey[key].ToList(), keyIgnored, downloads, ct).ConfigureAwait(false);
                    outcomes[key] = new KeyOutcome(m, skip, keyIgnored.Skip(known).ToList());
                    _options.Progress?.Report(new MergeProgress(Interlocked.Increment(ref finished), keys.Count, key, m is not null));
                }).ConfigureAwait(false);
        }

        var merged = keys.Select(k => outcomes[k].Merged).OfType<MergedReferenceKey>().ToList();
        var skipped = keys.Select(k => outcomes[k].Skipped).OfType<SkippedReferenceKey>().ToList();
        ignored.AddRange(keys.SelectMany(k => outcomes[k].Ignored));

        var report = new MergeReport(
            paths.RunId,
            kind,
            layout.RootDirectory,
            started,
            _options.TimeProvider.GetUtcNow(),
            complete.Count,
            merged,
            skipped,
            [.. ignored.OrderBy(i => i.Shard, StringComparer.Ordinal).ThenBy(i => i.Key, StringComparer.Ordinal)]);
        Log(report);
        activity?.SetTag(StagecraftTags.ReferenceMerged, merged.Count);
        activity?.SetTag(StagecraftTags.ReferenceSkipped, skipped.Count);
        activity?.SetTag(StagecraftTags.ReferenceIgnored, report.IgnoredShards.Count);

        if (_options.PersistReport)
        {
            await PersistAsync(paths.MergeReport, report, cancellationToken).ConfigureAwait(false);
        }

        return report;
    }

    /// <summary>The report as JSON, as persisted.</summary>
    public static byte[] SerializeReport(MergeReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.SerializeToUtf8Bytes(report, ReferencesJsonContext.Default.MergeReport);
    }

    /// <summary>Reads a persisted report.</summary>
    /// <exception cref="JsonException">The bytes are not a merge report.</exception>
    public static MergeReport DeserializeReport(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, ReferencesJsonContext.Default.MergeReport) ?? throw new JsonException("The merge report is null.");

    /// <summary>
    /// Finds the key slices with two levels of delimited listing (shards, then keys per shard), so objects are never
    /// listed one by one: the manifest says which files a slice has.
    /// </summary>
    private async Task<(List<ListedSlice> Slices, List<IgnoredShard> Ignored)> ListSlicesAsync(string kindPrefix, CancellationToken cancellationToken)
    {
        var folder = new ListObjectsOptions { Delimiter = "/" };
        var shards = new List<string>();
        var strays = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await foreach (var entry in _storage.ListAsync(kindPrefix, folder, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Prefix is { } shardPrefix)
            {
                shards.Add(shardPrefix[kindPrefix.Length..^1]);
            }
            else if (entry.Object is { } stray)
            {
                var name = stray.Key[kindPrefix.Length..];
                strays[name] = strays.GetValueOrDefault(name) + 1;
            }
        }

        var slices = new List<ListedSlice>();
        foreach (var shard in shards)
        {
            var shardPrefix = kindPrefix + shard + "/";
            await foreach (var entry in _storage.ListAsync(shardPrefix, folder, cancellationToken).ConfigureAwait(false))
            {
                if (entry.Prefix is { } keyPrefix)
                {
                    slices.Add(new ListedSlice(shard, keyPrefix[shardPrefix.Length..^1], keyPrefix));
                }
                else
                {
                    strays[shard] = strays.GetValueOrDefault(shard) + 1;
                }
            }
        }

        var ignored = strays
            .Select(s => new IgnoredShard(s.Key, null, IgnoredShardCode.StrayObjects, $"{s.Value} object(s) outside any key folder"))
            .ToList();
        return ([.. slices.OrderBy(s => s.Key, StringComparer.Ordinal).ThenBy(s => s.Shard, StringComparer.Ordinal)], ignored);
    }

    private async Task<(CompleteSlice? Slice, IgnoredShard? Ignored)> ReadSliceAsync(ListedSlice slice, string localKeyDirectory, CancellationToken cancellationToken)
    {
        IgnoredShard Ignore(IgnoredShardCode code, string reason) => new(slice.Shard, slice.Key, code, reason);

        try
        {
            if (await _storage.StatAsync(slice.Prefix + ReferenceFileNames.UploadComplete, cancellationToken).ConfigureAwait(false) is not { } complete)
            {
                return (null, Ignore(IgnoredShardCode.MissingUploadComplete, $"no {ReferenceFileNames.UploadComplete}: the upload did not finish"));
            }

            if (await TryReadSmallAsync(slice.Prefix + ReferenceFileNames.SourceMtimes, MaxSidecarBytes, cancellationToken).ConfigureAwait(false) is not { } sidecar)
            {
                return (null, Ignore(IgnoredShardCode.MissingSidecar, $"no {ReferenceFileNames.SourceMtimes} sidecar"));
            }

            var mtimes = SourceMtimes.TryParse(sidecar, out var error);
            if (mtimes is null || mtimes.Count == 0)
            {
                return (null, Ignore(IgnoredShardCode.InvalidSidecar, error ?? $"{ReferenceFileNames.SourceMtimes} lists no file"));
            }

            var source = new SliceSource(slice.Shard, slice.Key, slice.Prefix, complete.Generation);
            var files = new Dictionary<string, SliceFile>(StringComparer.Ordinal);
            foreach (var (relative, mtime) in mtimes)
            {
                if (UnsafePathReason(slice, relative, localKeyDirectory) is { } unsafeWhy)
                {
                    return (null, Ignore(IgnoredShardCode.UnsafePath, $"'{relative}' is rejected: {unsafeWhy}"));
                }

                if (ReferenceFileNames.IsSliceBookkeeping(relative))
                {
                    return (null, Ignore(IgnoredShardCode.InvalidSidecar, $"{ReferenceFileNames.SourceMtimes} lists the bookkeeping file '{relative}'"));
                }

                files[relative] = new SliceFile(relative, mtime, source);
            }

            try
            {
                TransferPaths.EnsureNoFileDirectoryClash(files.Keys, r => r, r => slice.Prefix + r);
            }
            catch (UnsafeObjectKeyException e)
            {
                return (null, Ignore(IgnoredShardCode.UnsafePath, e.Message));
            }

            ReferenceMarker? marker = null;
            if (files.TryGetValue(ReferenceFileNames.Marker, out var markerFile))
            {
                if (await TryReadSmallAsync(slice.Prefix + ReferenceFileNames.Marker, ReferenceFingerprint.MaxMarkerFileBytes, cancellationToken).ConfigureAwait(false) is not { } bytes)
                {
                    return (null, Ignore(IgnoredShardCode.MissingObject, $"'{ReferenceFileNames.Marker}' is listed in {ReferenceFileNames.SourceMtimes} but was not uploaded"));
                }

                var text = Encoding.UTF8.GetString(bytes).TrimEnd('\n', '\r');
                if (ReferenceFingerprint.Explain(text) is { } bad)
                {
                    return (null, Ignore(IgnoredShardCode.InvalidMarker, $"the marker is not a fingerprint: {bad}"));
                }

                marker = new ReferenceMarker(text, markerFile.SourceMtime);
            }

            return (new CompleteSlice(source, files, marker), null);
        }
        catch (Exception e) when (e is StorageException or IOException or InvalidDataException)
        {
            return (null, Ignore(IgnoredShardCode.ReadFailed, $"{e.GetType().Name}: {e.Message}"));
        }
    }

    /// <summary>Rule 6: null when <paramref name="relative"/> is a plain relative path inside the key directory.</summary>
    private static string? UnsafePathReason(ListedSlice slice, string relative, string localKeyDirectory)
    {
        if (relative.Length == 0)
        {
            return "it is empty";
        }

        if (relative.Contains('\\', StringComparison.Ordinal))
        {
            return "it contains '\\' (a separator on Windows)";
        }

        if (TransferPaths.ExplainUnsafeRelativePath(relative) is { } reason)
        {
            return reason;
        }

        if (!OperatingSystem.IsWindows())
        {
            return null; // safe segments cannot leave the key directory on Unix: no path to build per manifest entry
        }

        try
        {
            TransferPaths.ToLocalPath(localKeyDirectory, slice.Prefix, slice.Prefix + relative);
            return null;
        }
        catch (UnsafeObjectKeyException e)
        {
            return e.Reason ?? e.Message;
        }
    }

    private async Task<(MergedReferenceKey? Merged, SkippedReferenceKey? Skipped)> MergeKeyAsync(
        ReferenceLayout layout,
        string key,
        List<CompleteSlice> slices,
        List<IgnoredShard> ignored,
        SemaphoreSlim downloads,
        CancellationToken cancellationToken)
    {
        var handle = await layout.LockAsync(key, _options.LockOptions, cancellationToken).ConfigureAwait(false);
        await using (handle.ConfigureAwait(false))
        {
            // Put back a tree a killed replace left aside before comparing, or an older cloud tree could win by default.
            layout.RepairUnderLock(key);
            if (layout.IsKeyDirectoryLink(key))
            {
                return (null, new SkippedReferenceKey(key, MergeSkipCode.UnsafeLocalPath, $"the local directory '{layout.KeyDirectory(key)}' is a symbolic link; nothing is written through it"));
            }

            // A slice whose manifest names a file that is not there is dropped and the choice made again without it.
            while (true)
            {
                var choice = Choose(key, slices, ignored);
                if (choice.Skipped is { } skip)
                {
                    return (null, skip);
                }

                var (cloud, picks) = (choice.Winner!.Marker!, choice.Picks!);
                var local = layout.ReadMarker(key);
                if (local is not null && cloud.LastWriteTimeUtc <= local.LastWriteTimeUtc)
                {
                    return (null, new SkippedReferenceKey(key, MergeSkipCode.LocalIsNewer,
                        $"the local marker '{local.Fingerprint}' ({local.LastWriteTimeUtc:O}) is not older than the cloud marker '{cloud.Fingerprint}' ({cloud.LastWriteTimeUtc:O}); nothing touched"));
                }

                var staging = layout.CreateStaging(key);
                try
                {
                    await InstallAsync(layout, key, cloud.Fingerprint, picks, staging, downloads, cancellationToken).ConfigureAwait(false);
                    var shards = picks.Select(p => p.Slice.Shard).Distinct().Order(StringComparer.Ordinal).ToList();
                    return (new MergedReferenceKey(key, cloud.Fingerprint, picks.Count, shards), null);
                }
                catch (MissingSliceObjectException missing)
                {
                    ReferenceLayout.DeleteTreeQuietly(staging);
                    ignored.Add(new IgnoredShard(missing.Slice.Shard, key, IgnoredShardCode.MissingObject,
                        $"'{missing.RelativePath}' is listed in {ReferenceFileNames.SourceMtimes} but was not uploaded"));
                    slices.RemoveAll(s => s.Source == missing.Slice);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    ReferenceLayout.DeleteTreeQuietly(staging);
                    return (null, new SkippedReferenceKey(key, MergeSkipCode.Failed, $"{e.GetType().Name}: {e.Message}; the local reference was left as it was"));
                }
                catch
                {
                    ReferenceLayout.DeleteTreeQuietly(staging);
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// Rule 5's choice for one key: the newest cloud marker wins; per file the newest source time among slices of that
    /// marker's fingerprint (slices of other fingerprints, or without a marker, are reported as ignored).
    /// </summary>
    private static (CompleteSlice? Winner, List<SliceFile>? Picks, SkippedReferenceKey? Skipped) Choose(string key, List<CompleteSlice> slices, List<IgnoredShard> ignored)
    {
        if (slices.Count == 0)
        {
            var why = string.Join("; ", ignored.Where(i => i.Key == key).Select(i => $"shard {i.Shard}: {i.Reason}"));
            return (null, null, new SkippedReferenceKey(key, MergeSkipCode.NoCompleteUpload, $"no shard has a complete upload of '{key}' ({why})"));
        }

        var marked = slices.Where(s => s.Marker is not null).ToList();
        if (marked.Count == 0)
        {
            return (null, null, new SkippedReferenceKey(key, MergeSkipCode.NoCloudMarker, $"no cloud marker in {slices.Count} complete slice(s): the content is bound to no fingerprint"));
        }

        var winner = marked.MaxBy(s => (s.Marker!.LastWriteTimeUtc, s.Source.Shard), NewestOrder.Instance)!;
        var fingerprint = winner.Marker!.Fingerprint;
        var candidates = new List<CompleteSlice>();
        foreach (var slice in slices)
        {
            IgnoredShard? reason = slice.Marker is null
                ? new IgnoredShard(slice.Source.Shard, key, IgnoredShardCode.NoMarker, "complete but without a marker, while other slices of the key have one")
                : slice.Marker.Fingerprint != fingerprint
                    ? new IgnoredShard(slice.Source.Shard, key, IgnoredShardCode.SupersededFingerprint,
                        $"built for '{slice.Marker.Fingerprint}', superseded by the newer cloud marker '{fingerprint}' of shard {winner.Source.Shard}")
                    : null;
            if (reason is null)
            {
                candidates.Add(slice);
            }
            else if (!ignored.Contains(reason))
            {
                ignored.Add(reason);
            }
        }

        var picks = candidates
            .SelectMany(s => s.Files.Values)
            .GroupBy(f => f.RelativePath, StringComparer.Ordinal)
            .Select(g => g.MaxBy(f => (f.SourceMtime, f.Slice.Shard), NewestOrder.Instance)!)
            .ToList();
        try
        {
            TransferPaths.EnsureNoFileDirectoryClash(picks, p => p.RelativePath, p => p.Slice.Prefix + p.RelativePath);
        }
        catch (UnsafeObjectKeyException e)
        {
            return (null, null, new SkippedReferenceKey(key, MergeSkipCode.ConflictingPicks, e.Message));
        }

        return (winner, picks, null);
    }

    /// <summary>Downloads the picks into <paramref name="staging"/> (marker last), flushes as configured and swaps it in.</summary>
    private async Task InstallAsync(ReferenceLayout layout, string key, string fingerprint, List<SliceFile> picks, string staging, SemaphoreSlim downloads, CancellationToken cancellationToken)
    {
        // Every file lands through the staging tree's directory descriptors: never through a link, one lookup per directory.
        using var tree = ContainedTree.Open(staging);
        foreach (var directory in picks.Select(p => p.RelativePath.LastIndexOf('/') is var at and >= 0 ? p.RelativePath[..at] : string.Empty).Distinct(StringComparer.Ordinal))
        {
            tree.CreateDirectories(directory);
        }

        await Parallel.ForEachAsync(
            DirectorySpread.RoundRobin(
                picks.Where(p => p.RelativePath != ReferenceFileNames.Marker),
                p => p.RelativePath.LastIndexOf('/') is var at and >= 0 ? p.RelativePath[..at] : string.Empty),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelism, CancellationToken = cancellationToken },
            async (pick, ct) =>
            {
                await downloads.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    await DownloadAsync(pick, tree, ct).ConfigureAwait(false);
                }
                finally
                {
                    downloads.Release();
                }
            }).ConfigureAwait(false);
        if (_options.Durability != Durability.None)
        {
            // Files were fsynced as they were written (in parallel, which overlaps the waits); their directories now,
            // all before the marker exists.
            FsyncDirectories(staging);
        }

        await DownloadAsync(picks.Single(p => p.RelativePath == ReferenceFileNames.Marker), tree, cancellationToken).ConfigureAwait(false);
        if (ReferenceLayout.ReadMarkerIn(staging)?.Fingerprint != fingerprint)
        {
            throw new InvalidDataException($"The downloaded marker of '{key}' does not hold '{fingerprint}'.");
        }

        // A worker re-uploading a slice deletes its _upload_complete first and writes a new one last: an unchanged
        // generation means nothing we downloaded was replaced meanwhile.
        foreach (var slice in picks.Select(p => p.Slice).Distinct())
        {
            var now = await _storage.StatAsync(slice.Prefix + ReferenceFileNames.UploadComplete, cancellationToken).ConfigureAwait(false);
            if (now?.Generation != slice.UploadCompleteGeneration)
            {
                throw new InvalidDataException($"Shard {slice.Shard} re-uploaded '{key}' during the merge; merge again to take the new upload.");
            }
        }

        if (_options.Durability != Durability.None)
        {
            AtomicFile.FsyncDirectory(staging);
        }

        // The tree is already flushed as the durability asks, so the replace itself only renames.
        await AtomicFile.ReplaceDirectoryAsync(staging, layout.KeyDirectory(key), Durability.None, cancellationToken).ConfigureAwait(false);
        if (_options.Durability == Durability.FileAndDirectory)
        {
            AtomicFile.FsyncDirectory(layout.RootDirectory);
        }
    }

    /// <summary>
    /// Writes one picked file into the private staging tree with its source time (and fsyncs it when durable). No
    /// temp+rename per file: the staging tree becomes visible only as a whole, and only after every download was
    /// verified (length and CRC32C).
    /// </summary>
    private async ValueTask DownloadAsync(SliceFile pick, ContainedTree tree, CancellationToken cancellationToken)
    {
        ObjectReadResult read;
        try
        {
            read = await _storage.GetAsync(pick.Slice.Prefix + pick.RelativePath, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            throw new MissingSliceObjectException(pick.Slice, pick.RelativePath);
        }

        await using (read.ConfigureAwait(false))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
            try
            {
                using var file = tree.CreateNew(pick.RelativePath);
                var verified = new VerifyingReadStream(read.Content, read.Info);
                long offset = 0;
                int n;
                while ((n = await verified.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    PositionalFile.Write(file, buffer.AsSpan(0, n), offset);
                    offset += n;
                }

                FileTimes.SetLastWriteTimeUtc(file, pick.SourceMtime);
                if (_options.Durability != Durability.None)
                {
                    RandomAccess.FlushToDisk(file);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static void FsyncDirectories(string root)
    {
        foreach (var directory in Directory.EnumerateDirectories(root, "*", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = true }))
        {
            AtomicFile.FsyncDirectory(directory);
        }
    }

    /// <summary>Reads a small object whole (verified), or null when it does not exist.</summary>
    private async Task<byte[]?> TryReadSmallAsync(string key, int limit, CancellationToken cancellationToken)
    {
        ObjectReadResult read;
        try
        {
            read = await _storage.GetAsync(key, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }

        await using (read.ConfigureAwait(false))
        {
            if (read.Info.Size > limit)
            {
                throw new InvalidDataException($"'{key}' is {read.Info.Size} bytes, more than the {limit} expected.");
            }

            using var buffer = new MemoryStream((int)read.Info.Size);
            await new VerifyingReadStream(read.Content, read.Info).CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }

    private async Task PersistAsync(string key, MergeReport report, CancellationToken cancellationToken)
    {
        try
        {
            await _storage.PutJsonAsync(key, report, ReferencesJsonContext.Default.MergeReport, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or IOException)
        {
            LogReportNotPersisted(_logger, e, key);
        }
    }

    private void Log(MergeReport report)
    {
        foreach (var m in report.MergedKeys)
        {
            LogMerged(_logger, m.Key, m.Fingerprint, m.FileCount, string.Join(",", m.Shards));
        }

        foreach (var s in report.SkippedKeys)
        {
            LogSkipped(_logger, s.Key, s.Code, s.Reason);
        }

        foreach (var i in report.IgnoredShards)
        {
            LogIgnored(_logger, i.Shard, i.Key, i.Code, i.Reason);
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Merged reference {Key} ({Fingerprint}, {FileCount} files from {Shards}).")]
    private static partial void LogMerged(ILogger logger, string key, string fingerprint, int fileCount, string shards);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Skipped reference {Key} ({Code}): {Reason}")]
    private static partial void LogSkipped(ILogger logger, string key, MergeSkipCode code, string reason);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Ignored shard {Shard} key {Key} ({Code}): {Reason}")]
    private static partial void LogIgnored(ILogger logger, string shard, string? key, IgnoredShardCode code, string reason);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "The merge report could not be written to {ReportKey}.")]
    private static partial void LogReportNotPersisted(ILogger logger, Exception exception, string reportKey);

    private sealed record ListedSlice(string Shard, string Key, string Prefix);

    private sealed record KeyOutcome(MergedReferenceKey? Merged, SkippedReferenceKey? Skipped, List<IgnoredShard> Ignored);

    /// <summary>A complete slice as read: where it is and the generation of its completion marker at that time.</summary>
    private sealed record SliceSource(string Shard, string Key, string Prefix, long UploadCompleteGeneration);

    private sealed record CompleteSlice(SliceSource Source, Dictionary<string, SliceFile> Files, ReferenceMarker? Marker)
    {
        public string Key => Source.Key;
    }

    private sealed record SliceFile(string RelativePath, DateTime SourceMtime, SliceSource Slice);

    /// <summary>A file a slice's manifest lists could not be found: the slice is incomplete after all.</summary>
    private sealed class MissingSliceObjectException(SliceSource slice, string relativePath) : Exception($"'{relativePath}' of shard {slice.Shard} is missing.")
    {
        public SliceSource Slice { get; } = slice;

        public string RelativePath { get; } = relativePath;
    }

    /// <summary>Newest time first, then the ordinally greater shard: a deterministic winner on equal times.</summary>
    private sealed class NewestOrder : IComparer<(DateTime Time, string Shard)>
    {
        public static readonly NewestOrder Instance = new();

        public int Compare((DateTime Time, string Shard) x, (DateTime Time, string Shard) y)
        {
            var byTime = x.Time.CompareTo(y.Time);
            return byTime != 0 ? byTime : string.CompareOrdinal(x.Shard, y.Shard);
        }
    }
}
