using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stagecraft.IO;
using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.Storage.Transfers;

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
/// slice's manifest: objects it does not list (left by an earlier, interrupted upload) are not part of the slice.</item>
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
/// </remarks>
public sealed partial class PostRunMerger
{
    private const int MaxMarkerBytes = (ReferenceFingerprint.MaxLength * 3) + 2;
    private const int MaxSidecarBytes = 64 * 1024 * 1024;
    private const int CopyBufferSize = 128 * 1024;

    private readonly IObjectStorage _storage;
    private readonly PostRunMergerOptions _options;

    /// <summary>Creates a merger reading from <paramref name="storage"/>.</summary>
    public PostRunMerger(IObjectStorage storage, PostRunMergerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
        _options = options ?? PostRunMergerOptions.Default;
        _options.Validate();
    }

    /// <summary>
    /// Merges the run's uploaded slices of <paramref name="kind"/> into <paramref name="localRoot"/> and persists the
    /// report to <c>RunPaths.MergeReport</c> (best effort: a failure to write it is logged, the report is still returned).
    /// </summary>
    /// <param name="runId">The run.</param>
    /// <param name="kind">The reference kind (one path segment).</param>
    /// <param name="localRoot">The local reference root (a <see cref="ReferenceStore"/> root).</param>
    /// <param name="cancellationToken">Cancels between files; a key being merged keeps its previous tree.</param>
    /// <exception cref="StorageException">The run's slices could not be listed (nothing was read or changed).</exception>
    public async Task<MergeReport> MergeAsync(string runId, string kind, string localRoot, CancellationToken cancellationToken = default)
    {
        var paths = new RunPaths(runId);
        var kindPrefix = paths.PostRunKind(kind);
        var layout = new ReferenceLayout(localRoot);
        var started = _options.TimeProvider.GetUtcNow();
        using var activity = ReferenceTelemetry.Start("reference.post_run_merge");
        activity?.SetTag("stagecraft.run.id", runId);
        activity?.SetTag("stagecraft.reference.kind", kind);

        var (slices, ignored) = await ListSlicesAsync(kindPrefix, cancellationToken).ConfigureAwait(false);
        var complete = new List<CompleteSlice>();
        foreach (var slice in slices)
        {
            if (ReferenceKey.Explain(slice.Key) is { } rule)
            {
                ignored.Add(new IgnoredShard(slice.Shard, slice.Key, IgnoredShardCode.InvalidKey, $"'{slice.Key}' is not a reference key: {rule}"));
                continue;
            }

            var (read, why) = await ReadSliceAsync(slice, layout.KeyDirectory(slice.Key), cancellationToken).ConfigureAwait(false);
            if (read is not null)
            {
                complete.Add(read);
            }
            else
            {
                ignored.Add(why!);
            }
        }

        var merged = new List<MergedReferenceKey>();
        var skipped = new List<SkippedReferenceKey>();
        var keys = slices.Select(s => s.Key).Where(ReferenceKey.IsValid).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var key in keys)
        {
            var outcome = await MergeKeyAsync(layout, key, complete.Where(c => c.Key == key).ToList(), ignored, cancellationToken).ConfigureAwait(false);
            if (outcome.Merged is { } m)
            {
                merged.Add(m);
            }
            else
            {
                skipped.Add(outcome.Skipped!);
            }

            _options.Progress?.Report(new MergeProgress(merged.Count + skipped.Count, keys.Count, key, outcome.Merged is not null));
        }

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
        activity?.SetTag("stagecraft.reference.merged", merged.Count);
        activity?.SetTag("stagecraft.reference.skipped", skipped.Count);
        activity?.SetTag("stagecraft.reference.ignored", report.IgnoredShards.Count);

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

    private async Task<(List<ListedSlice> Slices, List<IgnoredShard> Ignored)> ListSlicesAsync(string kindPrefix, CancellationToken cancellationToken)
    {
        var slices = new Dictionary<(string Key, string Shard), Dictionary<string, ObjectInfo>>();
        var strays = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await foreach (var entry in _storage.ListAsync(kindPrefix, null, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Object is not { } info)
            {
                continue;
            }

            var rest = info.Key[kindPrefix.Length..];
            var shardEnd = rest.IndexOf('/', StringComparison.Ordinal);
            var keyEnd = shardEnd < 0 ? -1 : rest.IndexOf('/', shardEnd + 1);
            if (keyEnd < 0)
            {
                var shard = shardEnd < 0 ? rest : rest[..shardEnd];
                strays[shard] = strays.GetValueOrDefault(shard) + 1;
                continue;
            }

            var relative = rest[(keyEnd + 1)..];
            if (relative.Length == 0)
            {
                continue; // a zero-byte folder placeholder
            }

            var id = (rest[(shardEnd + 1)..keyEnd], rest[..shardEnd]);
            if (!slices.TryGetValue(id, out var objects))
            {
                slices[id] = objects = new Dictionary<string, ObjectInfo>(StringComparer.Ordinal);
            }

            objects[relative] = info;
        }

        var listed = slices
            .Select(s => new ListedSlice(s.Key.Shard, s.Key.Key, kindPrefix + s.Key.Shard + "/" + s.Key.Key + "/", s.Value))
            .OrderBy(s => s.Key, StringComparer.Ordinal)
            .ThenBy(s => s.Shard, StringComparer.Ordinal)
            .ToList();
        var ignored = strays
            .Select(s => new IgnoredShard(s.Key, null, IgnoredShardCode.StrayObjects, $"{s.Value} object(s) outside any key folder"))
            .ToList();
        return (listed, ignored);
    }

    private async Task<(CompleteSlice? Slice, IgnoredShard? Ignored)> ReadSliceAsync(ListedSlice slice, string localKeyDirectory, CancellationToken cancellationToken)
    {
        IgnoredShard Ignore(IgnoredShardCode code, string reason) => new(slice.Shard, slice.Key, code, reason);

        if (!slice.Objects.ContainsKey(ReferenceFileNames.UploadComplete))
        {
            return (null, Ignore(IgnoredShardCode.MissingUploadComplete, $"no {ReferenceFileNames.UploadComplete}: the upload did not finish"));
        }

        if (!slice.Objects.TryGetValue(ReferenceFileNames.SourceMtimes, out var sidecar))
        {
            return (null, Ignore(IgnoredShardCode.MissingSidecar, $"no {ReferenceFileNames.SourceMtimes} sidecar"));
        }

        try
        {
            var mtimes = SourceMtimes.TryParse(await ReadSmallAsync(sidecar, MaxSidecarBytes, cancellationToken).ConfigureAwait(false), out var error);
            if (mtimes is null || mtimes.Count == 0)
            {
                return (null, Ignore(IgnoredShardCode.InvalidSidecar, error ?? $"{ReferenceFileNames.SourceMtimes} lists no file"));
            }

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

                if (!slice.Objects.TryGetValue(relative, out var info))
                {
                    return (null, Ignore(IgnoredShardCode.MissingObject, $"'{relative}' is listed in {ReferenceFileNames.SourceMtimes} but was not uploaded"));
                }

                files[relative] = new SliceFile(relative, info, mtime, slice);
            }

            try
            {
                TransferPaths.EnsureNoFileDirectoryClash(localKeyDirectory, files.Keys.Select(r => (slice.Prefix + r, Path.Join(localKeyDirectory, r))));
            }
            catch (UnsafeObjectKeyException e)
            {
                return (null, Ignore(IgnoredShardCode.UnsafePath, e.Message));
            }

            ReferenceMarker? marker = null;
            if (files.TryGetValue(ReferenceFileNames.Marker, out var markerFile))
            {
                var text = Encoding.UTF8.GetString(await ReadSmallAsync(markerFile.Info, MaxMarkerBytes, cancellationToken).ConfigureAwait(false)).TrimEnd('\n', '\r');
                if (ReferenceFingerprint.Explain(text) is { } bad)
                {
                    return (null, Ignore(IgnoredShardCode.InvalidMarker, $"the marker is not a fingerprint: {bad}"));
                }

                marker = new ReferenceMarker(text, markerFile.SourceMtime);
            }

            return (new CompleteSlice(slice.Shard, slice.Key, slice.Prefix, files, marker), null);
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
        CancellationToken cancellationToken)
    {
        SkippedReferenceKey Skip(MergeSkipCode code, string reason) => new(key, code, reason);

        if (slices.Count == 0)
        {
            var why = string.Join("; ", ignored.Where(i => i.Key == key).Select(i => $"shard {i.Shard}: {i.Reason}"));
            return (null, Skip(MergeSkipCode.NoCompleteUpload, $"no shard has a complete upload of '{key}' ({why})"));
        }

        var marked = slices.Where(s => s.Marker is not null).ToList();
        if (marked.Count == 0)
        {
            return (null, Skip(MergeSkipCode.NoCloudMarker, $"no cloud marker in {slices.Count} complete slice(s): the content is bound to no fingerprint"));
        }

        var winner = marked.MaxBy(s => (s.Marker!.LastWriteTimeUtc, s.Shard), MarkerOrder.Instance)!;
        var fingerprint = winner.Marker!.Fingerprint;
        var candidates = new List<CompleteSlice>();
        foreach (var slice in slices)
        {
            if (slice.Marker is null)
            {
                ignored.Add(new IgnoredShard(slice.Shard, key, IgnoredShardCode.NoMarker, "complete but without a marker, while other slices of the key have one"));
            }
            else if (slice.Marker.Fingerprint != fingerprint)
            {
                ignored.Add(new IgnoredShard(slice.Shard, key, IgnoredShardCode.SupersededFingerprint,
                    $"built for '{slice.Marker.Fingerprint}', superseded by the newer cloud marker '{fingerprint}' of shard {winner.Shard}"));
            }
            else
            {
                candidates.Add(slice);
            }
        }

        // Per file, the newest source time wins among slices of the winning fingerprint (ties: the greater shard name).
        var picks = candidates
            .SelectMany(s => s.Files.Values)
            .GroupBy(f => f.RelativePath, StringComparer.Ordinal)
            .Select(g => g.MaxBy(f => (f.SourceMtime, f.Slice.Shard), MarkerOrder.Instance)!)
            .ToList();
        try
        {
            TransferPaths.EnsureNoFileDirectoryClash(layout.KeyDirectory(key), picks.Select(p => (p.Slice.Prefix + p.RelativePath, Path.Join(layout.KeyDirectory(key), p.RelativePath))));
        }
        catch (UnsafeObjectKeyException e)
        {
            return (null, Skip(MergeSkipCode.ConflictingPicks, e.Message));
        }

        var cloudMarkerTime = picks.Single(p => p.RelativePath == ReferenceFileNames.Marker).SourceMtime;
        var handle = await layout.LockAsync(key, _options.LockOptions, cancellationToken).ConfigureAwait(false);
        await using (handle.ConfigureAwait(false))
        {
            // Put back a tree a killed replace left aside before comparing, or an older cloud tree could win by default.
            layout.RepairUnderLock(key);
            if (layout.IsKeyDirectoryLink(key))
            {
                return (null, Skip(MergeSkipCode.UnsafeLocalPath, $"the local directory '{layout.KeyDirectory(key)}' is a symbolic link; nothing is written through it"));
            }

            var local = layout.ReadMarker(key);
            if (local is not null && cloudMarkerTime <= local.LastWriteTimeUtc)
            {
                return (null, Skip(MergeSkipCode.LocalIsNewer,
                    $"the local marker '{local.Fingerprint}' ({local.LastWriteTimeUtc:O}) is not older than the cloud marker '{fingerprint}' ({cloudMarkerTime:O}); nothing touched"));
            }

            var staging = layout.CreateStaging(key);
            try
            {
                await Parallel.ForEachAsync(
                    picks.Where(p => p.RelativePath != ReferenceFileNames.Marker),
                    new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelism, CancellationToken = cancellationToken },
                    (pick, ct) => DownloadAsync(pick, staging, ct)).ConfigureAwait(false);
                if (_options.Durability != Durability.None)
                {
                    // Files were fsynced as they were written (in parallel, which overlaps the waits); their directories
                    // now, all before the marker exists.
                    FsyncDirectories(staging);
                }

                await DownloadAsync(picks.Single(p => p.RelativePath == ReferenceFileNames.Marker), staging, cancellationToken).ConfigureAwait(false);
                if (ReferenceLayout.ReadMarkerIn(staging)?.Fingerprint != fingerprint)
                {
                    throw new InvalidDataException($"The downloaded marker of '{key}' does not hold '{fingerprint}'.");
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
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                ReferenceLayout.DeleteTreeQuietly(staging);
                return (null, Skip(MergeSkipCode.Failed, $"{e.GetType().Name}: {e.Message}; the local reference was left as it was"));
            }
            catch
            {
                ReferenceLayout.DeleteTreeQuietly(staging);
                throw;
            }
        }

        var shards = picks.Select(p => p.Slice.Shard).Distinct().Order(StringComparer.Ordinal).ToList();
        return (new MergedReferenceKey(key, fingerprint, picks.Count, shards), null);
    }

    /// <summary>
    /// Writes one picked file into the private staging tree with its source time (and fsyncs it when durable). No
    /// temp+rename per file: the staging tree becomes visible only as a whole, and only after every download was
    /// verified (length and CRC32C).
    /// </summary>
    private async ValueTask DownloadAsync(SliceFile pick, string staging, CancellationToken cancellationToken)
    {
        var path = TransferPaths.ToLocalPath(staging, pick.Slice.Prefix, pick.Slice.Prefix + pick.RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var read = await _storage.GetAsync(pick.Info.Key, new GetObjectOptions { IfGenerationMatch = pick.Info.Generation }, cancellationToken).ConfigureAwait(false);
        await using (read.ConfigureAwait(false))
        {
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                await new VerifyingReadStream(read.Content, read.Info).CopyToAsync(file, CopyBufferSize, cancellationToken).ConfigureAwait(false);
                File.SetLastWriteTimeUtc(file.SafeFileHandle, pick.SourceMtime);
                if (_options.Durability != Durability.None)
                {
                    file.Flush(flushToDisk: true);
                }
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

    private async Task<byte[]> ReadSmallAsync(ObjectInfo info, int limit, CancellationToken cancellationToken)
    {
        if (info.Size > limit)
        {
            throw new InvalidDataException($"'{info.Key}' is {info.Size} bytes, more than the {limit} expected.");
        }

        var read = await _storage.GetAsync(info.Key, new GetObjectOptions { IfGenerationMatch = info.Generation }, cancellationToken).ConfigureAwait(false);
        await using (read.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream((int)info.Size);
            await new VerifyingReadStream(read.Content, read.Info).CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }

    private async Task PersistAsync(string key, MergeReport report, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new MemoryStream(SerializeReport(report), writable: false);
            await _storage.PutAsync(key, content, new PutObjectOptions { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or IOException)
        {
            if (_options.Logger is { } logger)
            {
                LogReportNotPersisted(logger, e, key);
            }
        }
    }

    private void Log(MergeReport report)
    {
        if (_options.Logger is not { } logger)
        {
            return;
        }

        foreach (var m in report.MergedKeys)
        {
            LogMerged(logger, m.Key, m.Fingerprint, m.FileCount, string.Join(",", m.Shards));
        }

        foreach (var s in report.SkippedKeys)
        {
            LogSkipped(logger, s.Key, s.Code, s.Reason);
        }

        foreach (var i in report.IgnoredShards)
        {
            LogIgnored(logger, i.Shard, i.Key, i.Code, i.Reason);
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

    private sealed record ListedSlice(string Shard, string Key, string Prefix, Dictionary<string, ObjectInfo> Objects);

    private sealed record CompleteSlice(string Shard, string Key, string Prefix, Dictionary<string, SliceFile> Files, ReferenceMarker? Marker);

    private sealed record SliceFile(string RelativePath, ObjectInfo Info, DateTime SourceMtime, ListedSlice Slice);

    /// <summary>Newest time first, then the ordinally greater shard: a deterministic winner on equal times.</summary>
    private sealed class MarkerOrder : IComparer<(DateTime Time, string Shard)>
    {
        public static readonly MarkerOrder Instance = new();

        public int Compare((DateTime Time, string Shard) x, (DateTime Time, string Shard) y)
        {
            var byTime = x.Time.CompareTo(y.Time);
            return byTime != 0 ? byTime : string.CompareOrdinal(x.Shard, y.Shard);
        }
    }
}
