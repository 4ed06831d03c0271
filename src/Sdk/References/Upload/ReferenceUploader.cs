using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Stagecraft.IO;
using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.Storage.Json;
using Stagecraft.Storage.Transfers;
using Stagecraft.Telemetry;

namespace Stagecraft.References;

/// <summary>
/// Worker side of upload-back: ships references this worker built (or rebuilt) to its shard of the run,
/// <c>ReferencePaths.PostRun(kind, shard, key)</c>, for <see cref="PostRunMerger"/> to bring into the laptop's cache.
/// </summary>
/// <remarks>
/// <para>
/// A key is eligible when it has a marker, the marker's fingerprint differs from the <see cref="ReferenceSeedSnapshot"/>
/// (read from storage), and this worker has not already uploaded that fingerprint. Its tree is read under the key's
/// lock (so no commit or merge changes it midway) and written in this order: any old <see cref="ReferenceFileNames.UploadComplete"/>
/// is deleted, then the content (marker included), then <see cref="ReferenceFileNames.SourceMtimes"/>, then
/// <see cref="ReferenceFileNames.UploadComplete"/> <b>last</b>: a worker killed at any point leaves a slice the merge ignores.
/// </para>
/// <para>
/// Call <see cref="UploadChangedAsync"/> after each task. It never throws into the task (except for the caller's own
/// cancellation): failures are logged and returned, and the key stays eligible for the next call.
/// </para>
/// </remarks>
public sealed partial class ReferenceUploader
{
    private readonly IObjectStorage _storage;
    private readonly ReferenceLayout _layout;
    private readonly ReferencePaths _paths;
    private readonly string _kind;
    private readonly ReferenceUploaderOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, string> _uploadedFingerprints = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <summary>Creates the uploader of one worker process.</summary>
    /// <param name="storage">The run's object storage.</param>
    /// <param name="referenceRoot">The worker's reference root (the <see cref="ReferenceStore"/> root).</param>
    /// <param name="runId">The run (see <see cref="RunId"/>).</param>
    /// <param name="kind">The reference kind: one path segment naming what the references are (e.g. <c>schema_otf</c>).</param>
    /// <param name="seed">The run's seed fingerprints, read from storage with <see cref="ReferenceSeedSnapshot.ReadAsync"/>.</param>
    /// <param name="options">Shard, transfer, lock and logging options; <see langword="null"/> for the defaults.</param>
    public ReferenceUploader(IObjectStorage storage, string referenceRoot, string runId, string kind, ReferenceSeedSnapshot seed, ReferenceUploaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(seed);
        _storage = storage;
        _options = options ?? ReferenceUploaderOptions.Default;
        _logger = _options.LoggerFactory.CreateLogger<ReferenceUploader>();
        ArgumentNullException.ThrowIfNull(_options.TransferOptions, nameof(options));
        ArgumentNullException.ThrowIfNull(_options.LockOptions, nameof(options));
        ArgumentNullException.ThrowIfNull(_options.TimeProvider, nameof(options));
        _layout = new ReferenceLayout(referenceRoot);
        _paths = new ReferencePaths(runId);
        _kind = kind;
        Shard = _options.Shard ?? ReferenceShard.ForCurrentProcess();
        _ = _paths.PostRunShard(kind, Shard); // validates kind and shard as single segments now, not at the first upload
        Seed = seed;
    }

    /// <summary>This worker's shard (<c>&lt;host&gt;-&lt;pid&gt;</c> unless set in the options).</summary>
    public string Shard { get; }

    /// <summary>The seed fingerprints eligibility is measured against.</summary>
    public ReferenceSeedSnapshot Seed { get; }

    /// <summary>
    /// Uploads every eligible key (see the remarks of <see cref="ReferenceUploader"/>). Calls are serialised per instance.
    /// </summary>
    /// <param name="cancellationToken">The only exception this method throws is the <see cref="OperationCanceledException"/> of this token.</param>
    /// <returns>Uploaded, failed (still eligible) and unchanged keys.</returns>
    public async Task<ReferenceUploadResult> UploadChangedAsync(CancellationToken cancellationToken = default)
    {
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var activity = ReferenceTelemetry.Start("reference.upload_back");
            activity?.SetTag(StagecraftTags.ReferenceShard, Shard);
            var (uploaded, failed, unchanged) = (new List<UploadedReference>(), new List<FailedReferenceUpload>(), new List<string>());
            IEnumerable<string> keys;
            try
            {
                keys = _layout.EnumerateKeys();
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Failed(failed, "*", e);
                return new ReferenceUploadResult(uploaded, failed, unchanged);
            }

            foreach (var key in keys)
            {
                try
                {
                    if (await UploadIfEligibleAsync(key, cancellationToken).ConfigureAwait(false) is { } done)
                    {
                        uploaded.Add(done);
                    }
                    else if (_layout.ReadMarker(key) is not null)
                    {
                        unchanged.Add(key);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e)
                {
                    Failed(failed, key, e);
                }
            }

            activity?.SetTag(StagecraftTags.ReferenceUploaded, uploaded.Count);
            activity?.SetTag(StagecraftTags.ReferenceFailed, failed.Count);
            return new ReferenceUploadResult(uploaded, failed, unchanged);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private bool IsEligible(string fingerprint, string key) =>
        fingerprint != Seed.FingerprintOf(key) && (!_uploadedFingerprints.TryGetValue(key, out var done) || done != fingerprint);

    private async Task<UploadedReference?> UploadIfEligibleAsync(string key, CancellationToken cancellationToken)
    {
        // Cheap look without the lock first; most keys after the first few tasks are unchanged.
        if (_layout.ReadMarker(key) is not { } seen || !IsEligible(seen.Fingerprint, key))
        {
            return null;
        }

        var handle = await _layout.LockAsync(key, _options.LockOptions, cancellationToken).ConfigureAwait(false);
        await using (handle.ConfigureAwait(false))
        {
            _layout.RepairUnderLock(key);
            if (_layout.ReadMarker(key) is not { } marker || !IsEligible(marker.Fingerprint, key))
            {
                return null;
            }

            var directory = _layout.KeyDirectory(key);
            if (_layout.IsKeyDirectoryLink(key))
            {
                throw new IOException($"Reference directory '{directory}' is a symbolic link; it is not uploaded.");
            }

            var files = ScanTree(directory);
            var slice = _paths.PostRun(_kind, Shard, key);

            // A re-upload into this shard must not look complete while its content is being replaced.
            await _storage.DeleteAsync(slice + ReferenceFileNames.UploadComplete, null, cancellationToken).ConfigureAwait(false);

            var transfer = await _storage.UploadDirectoryAsync(directory, slice, _options.TransferOptions, cancellationToken).ConfigureAwait(false);
            var expected = files.Keys.Select(relative => slice + relative).ToHashSet(StringComparer.Ordinal);
            if (!expected.SetEquals(transfer.TransferredKeys.Concat(transfer.SkippedKeys)))
            {
                throw new IOException($"The upload of '{directory}' did not cover exactly its {files.Count} files; the slice stays incomplete.");
            }

            await PutAsync(slice + ReferenceFileNames.SourceMtimes, SourceMtimes.Serialize(files), cancellationToken).ConfigureAwait(false);
            var record = new UploadCompleteDocument(marker.Fingerprint, files.Count, Shard, _options.TimeProvider.GetUtcNow());
            await _storage.PutJsonAsync(slice + ReferenceFileNames.UploadComplete, record, ReferencesJsonContext.Default.UploadCompleteDocument, cancellationToken: cancellationToken).ConfigureAwait(false);

            _uploadedFingerprints[key] = marker.Fingerprint;
            LogUploaded(_logger, key, marker.Fingerprint, files.Count, slice);

            return new UploadedReference(key, marker.Fingerprint, files.Count, slice);
        }
    }

    /// <summary>
    /// The key's files with their last write times, walked by <see cref="DirectoryWalker"/>'s rule. Refuses symbolic links
    /// of any kind (a link's target is not part of the tree the marker vouches for) and top-level files named like the
    /// slice's own bookkeeping.
    /// </summary>
    private static Dictionary<string, DateTime> ScanTree(string directory)
    {
        var walk = DirectoryWalker.Walk(directory);
        if (walk.SkippedLinks.Count > 0 || walk.Files.FirstOrDefault(f => f.ThroughLink) is not null)
        {
            var link = walk.SkippedLinks.Select(l => l.RelativePath).Concat(walk.Files.Where(f => f.ThroughLink).Select(f => f.RelativePath)).Order(StringComparer.Ordinal).First();
            throw new IOException($"Reference '{directory}' contains the symbolic link '{link}'; references must hold regular files only.");
        }

        var files = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        foreach (var file in walk.Files)
        {
            if (ReferenceFileNames.IsSliceBookkeeping(file.RelativePath))
            {
                throw new IOException($"Reference '{directory}' contains '{file.RelativePath}', a name reserved for upload-back bookkeeping.");
            }

            files[file.RelativePath] = File.GetLastWriteTimeUtc(file.FullPath);
        }

        return files;
    }

    private async Task PutAsync(string key, byte[] content, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(content, writable: false);
        await _storage.PutAsync(key, stream, new PutObjectOptions { ContentType = ObjectStorageJsonExtensions.JsonContentType }, cancellationToken).ConfigureAwait(false);
    }

    private void Failed(List<FailedReferenceUpload> failed, string key, Exception error)
    {
        failed.Add(new FailedReferenceUpload(key, $"{error.GetType().Name}: {error.Message}"));
        LogUploadFailed(_logger, error, key, Shard);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Uploaded reference {Key} ({Fingerprint}, {FileCount} files) to {Prefix}.")]
    private static partial void LogUploaded(ILogger logger, string key, string fingerprint, int fileCount, string prefix);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Upload-back of reference {Key} to shard {Shard} failed; it stays eligible for the next task.")]
    private static partial void LogUploadFailed(ILogger logger, Exception exception, string key, string shard);
}
