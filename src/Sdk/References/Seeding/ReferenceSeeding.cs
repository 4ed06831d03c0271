using Microsoft.Extensions.Logging;
using Stagecraft.IO;
using Stagecraft.Locking;
using Stagecraft.Storage;
using Stagecraft.Storage.Transfers;
using Stagecraft.Telemetry;

namespace Stagecraft.References;

/// <summary>
/// Worker start-up downloads: <b>required</b> artefacts (atomic, an empty prefix is an error) and the <b>optional seed</b>
/// of a reference root (an empty prefix is a no-op; existing local references are never overwritten).
/// </summary>
public sealed partial class ReferenceSeeding
{
    /// <summary>Serialises whole optional-seed merges of one root between processes (each key is also locked on its own).</summary>
    private const string OptionalSeedLockName = ".optional_seed.lock";

    /// <summary>Lock file of a required artefact directory: <c>&lt;dir&gt;.download.lock</c> beside it.</summary>
    private const string DownloadLockSuffix = ".download.lock";

    private readonly IObjectStorage _storage;
    private readonly ReferenceSeedingOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the seeding helper over <paramref name="storage"/>.</summary>
    public ReferenceSeeding(IObjectStorage storage, ReferenceSeedingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
        _options = options ?? ReferenceSeedingOptions.Default;
        _logger = _options.LoggerFactory.CreateLogger<ReferenceSeeding>();
        _options.Validate();
    }

    /// <summary>
    /// Downloads every object under <paramref name="prefix"/> into <paramref name="localDirectory"/> atomically: into a
    /// staging sibling, then <see cref="ReferenceFileNames.DownloadComplete"/>, then one rename. A directory that already
    /// holds <see cref="ReferenceFileNames.DownloadComplete"/> is complete and left alone; one without it (e.g. from an
    /// interrupted older tool) is replaced. Serialised between processes by <c>&lt;localDirectory&gt;.download.lock</c>.
    /// </summary>
    /// <exception cref="RequiredArtifactNotFoundException">The prefix holds no object.</exception>
    public async Task<RequiredArtifactResult> DownloadRequiredAsync(string prefix, string localDirectory, CancellationToken cancellationToken = default)
    {
        var keyPrefix = TransferPaths.NormalizePrefix(prefix);
        var target = TransferPaths.NormalizeRoot(localDirectory);
        using var activity = ReferenceTelemetry.Start("reference.download_required");
        activity?.SetTag(StagecraftTags.StoragePrefix, keyPrefix);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);

        var handle = await FileLock.AcquireAsync(target + DownloadLockSuffix, _options.LockOptions, cancellationToken).ConfigureAwait(false);
        await using (handle.ConfigureAwait(false))
        {
            ReferenceLayout.RepairDirectoryUnderLock(target);
            if (File.Exists(Path.Join(target, ReferenceFileNames.DownloadComplete)))
            {
                return new RequiredArtifactResult(new DirectoryInfo(target), AlreadyPresent: true, FileCount: 0);
            }

            var staging = AtomicFile.CreateStagingDirectory(target);
            try
            {
                var transfer = await _storage.DownloadPrefixAsync(keyPrefix, staging, _options.TransferOptions, cancellationToken).ConfigureAwait(false);
                var count = transfer.FilesTransferred + transfer.FilesSkipped;
                if (count == 0)
                {
                    throw new RequiredArtifactNotFoundException(keyPrefix, target);
                }

                AtomicFile.WriteAllText(Path.Join(staging, ReferenceFileNames.DownloadComplete), keyPrefix);
                await AtomicFile.ReplaceDirectoryAsync(staging, target, _options.Durability, cancellationToken).ConfigureAwait(false);
                LogRequiredDownloaded(_logger, keyPrefix, target, count);

                return new RequiredArtifactResult(new DirectoryInfo(target), AlreadyPresent: false, FileCount: count);
            }
            catch
            {
                ReferenceLayout.DeleteTreeQuietly(staging);
                throw;
            }
        }
    }

    /// <summary>
    /// Merges the optional seed under <paramref name="prefix"/> (one <c>{key}/</c> folder per reference, e.g.
    /// <c>ReferencePaths.ReferenceSeed(kind)</c>) into the reference root <paramref name="referenceRoot"/>, key by key under
    /// the key's lock.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Never overwrites an existing file, marker included: a key with a local reference (a marker) is kept exactly as it
    /// is (it may be a reference a previous worker process built in the cloud). Adding seed files to it would put files
    /// of another fingerprint under its marker, so the unit of "never overwrite" is the key. A key without a local marker
    /// gets the seed's tree (with the seed's file times) through a staging sibling and one rename; a markerless local
    /// directory there is scrap and is replaced. A seed key without a marker is not installed: its content is bound to
    /// no fingerprint.
    /// </para>
    /// <para>
    /// An empty prefix is a no-op (nothing is created locally). When every key is handled,
    /// <see cref="ReferenceFileNames.OptionalSeedComplete"/> (naming the prefix) is written in the root, and later calls
    /// for the same prefix do nothing, so a restarted worker never merges the seed again.
    /// </para>
    /// </remarks>
    public async Task<OptionalSeedResult> MergeOptionalSeedAsync(string prefix, string referenceRoot, CancellationToken cancellationToken = default)
    {
        var seedPrefix = TransferPaths.NormalizePrefix(prefix);
        var layout = new ReferenceLayout(referenceRoot);
        using var activity = ReferenceTelemetry.Start("reference.optional_seed");
        activity?.SetTag(StagecraftTags.StoragePrefix, seedPrefix);

        var gate = Path.Join(layout.RootDirectory, ReferenceFileNames.OptionalSeedComplete);
        if (await IsGateForAsync(gate, seedPrefix, cancellationToken).ConfigureAwait(false))
        {
            return new OptionalSeedResult(OptionalSeedOutcome.AlreadyMerged, [], [], new Dictionary<string, string>());
        }

        // Look before touching anything local: an empty optional seed is a no-op.
        var folders = new List<string>();
        var strays = 0;
        await foreach (var entry in _storage.ListAsync(seedPrefix, new ListObjectsOptions { Delimiter = "/" }, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Prefix is { } folder)
            {
                folders.Add(folder[seedPrefix.Length..^1]);
            }
            else
            {
                strays++;
            }
        }

        if (folders.Count == 0 && strays == 0)
        {
            return new OptionalSeedResult(OptionalSeedOutcome.EmptyPrefix, [], [], new Dictionary<string, string>());
        }

        Directory.CreateDirectory(layout.RootDirectory);
        var seedLock = await FileLock.AcquireAsync(Path.Join(layout.RootDirectory, OptionalSeedLockName), _options.LockOptions, cancellationToken).ConfigureAwait(false);
        await using (seedLock.ConfigureAwait(false))
        {
            if (await IsGateForAsync(gate, seedPrefix, cancellationToken).ConfigureAwait(false))
            {
                return new OptionalSeedResult(OptionalSeedOutcome.AlreadyMerged, [], [], new Dictionary<string, string>());
            }

            var (installed, kept) = (new List<string>(), new List<string>());
            var ignored = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var failed = false;
            foreach (var key in folders.Order(StringComparer.Ordinal))
            {
                if (ReferenceKey.Explain(key) is { } rule)
                {
                    ignored[key] = $"not a reference key: {rule}";
                    continue;
                }

                try
                {
                    switch (await MergeSeedKeyAsync(layout, seedPrefix + key + "/", key, cancellationToken).ConfigureAwait(false))
                    {
                        case SeedKeyOutcome.Installed:
                            installed.Add(key);
                            break;
                        case SeedKeyOutcome.KeptLocal:
                            kept.Add(key);
                            break;
                        case SeedKeyOutcome.NoSeedMarker:
                            ignored[key] = "the seed has no marker for it (its content is bound to no fingerprint)";
                            break;
                        case SeedKeyOutcome.MarkerOnly:
                            ignored[key] = "the seed holds only its marker, no content (a corrupt or cut-short seed upload); it will be built instead";
                            break;
                        default:
                            ignored[key] = "the local key directory is a symbolic link";
                            break;
                    }
                }
                catch (Exception e) when (e is StorageException or IOException)
                {
                    failed = true;
                    ignored[key] = $"download failed: {e.GetType().Name}: {e.Message}";
                }
            }

            if (!failed)
            {
                AtomicFile.WriteAllText(gate, seedPrefix, new AtomicWriteOptions { Durability = _options.Durability });
            }

            LogSeedMerged(_logger, seedPrefix, layout.RootDirectory, installed.Count, kept.Count, ignored.Count);

            return new OptionalSeedResult(failed ? OptionalSeedOutcome.Incomplete : OptionalSeedOutcome.Merged, installed, kept, ignored);
        }
    }

    /// <summary>Whether the gate file exists and names <paramref name="seedPrefix"/> (it is written atomically, so it is whole or absent).</summary>
    private static async Task<bool> IsGateForAsync(string gate, string seedPrefix, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(gate, cancellationToken).ConfigureAwait(false) == seedPrefix;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    private async Task<SeedKeyOutcome> MergeSeedKeyAsync(ReferenceLayout layout, string keyPrefix, string key, CancellationToken cancellationToken)
    {
        var handle = await layout.LockAsync(key, _options.LockOptions, cancellationToken).ConfigureAwait(false);
        await using (handle.ConfigureAwait(false))
        {
            layout.RepairUnderLock(key);
            if (layout.IsKeyDirectoryLink(key))
            {
                return SeedKeyOutcome.UnsafeLocalPath;
            }

            if (layout.ReadMarker(key) is not null)
            {
                return SeedKeyOutcome.KeptLocal;
            }

            var staging = layout.CreateStaging(key);
            try
            {
                var downloaded = await _storage.DownloadPrefixAsync(keyPrefix, staging, _options.TransferOptions, cancellationToken).ConfigureAwait(false);
                if (ReferenceLayout.ReadMarkerIn(staging) is null)
                {
                    ReferenceLayout.DeleteTreeQuietly(staging);
                    return SeedKeyOutcome.NoSeedMarker;
                }

                // The marker is there (checked above), so one file means nothing else. A bare marker would make every later
                // EnsureAsync reuse an empty reference instead of building it (ReferenceSeedSnapshot leaves such keys out too).
                if (downloaded.FilesTransferred + downloaded.FilesSkipped <= 1)
                {
                    ReferenceLayout.DeleteTreeQuietly(staging);
                    return SeedKeyOutcome.MarkerOnly;
                }

                await AtomicFile.ReplaceDirectoryAsync(staging, layout.KeyDirectory(key), _options.Durability, cancellationToken).ConfigureAwait(false);
                return SeedKeyOutcome.Installed;
            }
            catch
            {
                ReferenceLayout.DeleteTreeQuietly(staging);
                throw;
            }
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Downloaded required artefact {Prefix} into {Directory} ({FileCount} files).")]
    private static partial void LogRequiredDownloaded(ILogger logger, string prefix, string directory, int fileCount);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "Merged optional seed {Prefix} into {Root}: {Installed} installed, {Kept} local kept, {Ignored} ignored.")]
    private static partial void LogSeedMerged(ILogger logger, string prefix, string root, int installed, int kept, int ignored);

    private enum SeedKeyOutcome
    {
        Installed,
        KeptLocal,
        NoSeedMarker,
        MarkerOnly,
        UnsafeLocalPath,
    }
}
