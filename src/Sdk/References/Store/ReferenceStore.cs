using Microsoft.Extensions.Logging;
using Stagecraft.IO;
using Stagecraft.Telemetry;

namespace Stagecraft.References;

/// <summary>
/// <see cref="IReferenceStore"/> on a local directory: <c>&lt;root&gt;/&lt;key&gt;/</c> per reference, its marker
/// <see cref="ReferenceFileNames.Marker"/>, and the per-key lock <c>&lt;root&gt;/&lt;key&gt;.build.lock</c> shared with
/// <c>ReferenceSeeding</c>, <c>ReferenceUploader</c> and <c>PostRunMerger</c>.
/// </summary>
/// <remarks>
/// <para>
/// How the invariant holds: a build fills a hidden staging sibling, the marker is written into it last, the tree is
/// flushed (per <see cref="ReferenceStoreOptions.Durability"/>), and <see cref="AtomicFile.ReplaceDirectory"/> renames
/// it over the key's directory. The live tree is never edited in place, so its marker never sits beside a partial or
/// mixed tree; a build killed at any point leaves the previous reference (or nothing) plus hidden leftovers that the
/// next holder of the key's lock removes.
/// </para>
/// <para>
/// Readers take no lock. What a lock-free reader is guaranteed, exactly: a commit or merge is one rename, so every single
/// path resolution under <c>&lt;root&gt;/&lt;key&gt;</c> (opening a file, listing a directory) lands in one whole tree, the old
/// or the new; and a file opened before a commit keeps the old content through its open handle, even after the old tree
/// is deleted. The <see cref="DirectoryInfo"/> that <see cref="EnsureAsync"/> and <see cref="TryGet"/> return names a path,
/// not a version: files opened through it <em>after</em> a later commit are the new tree's, of another fingerprint. A
/// reader that must see one fingerprint throughout either holds the key's lock (<c>&lt;root&gt;/&lt;key&gt;.build.lock</c>) while
/// it reads, or opens the files it needs and then checks that <see cref="GetMarker"/> still returns the marker it started
/// with (fingerprint and time), and starts again when it does not.
/// </para>
/// </remarks>
public sealed partial class ReferenceStore : IReferenceStore
{
    private readonly ReferenceLayout _layout;
    private readonly ReferenceStoreOptions _options;
    private readonly ILogger _logger;

    /// <summary>Opens the store rooted at <paramref name="rootDirectory"/> (created on first build).</summary>
    /// <param name="rootDirectory">The reference root; keep it on a local disk (lock files on network file systems are refused).</param>
    /// <param name="options">Durability, lock options and logging; <see langword="null"/> for the defaults.</param>
    public ReferenceStore(string rootDirectory, ReferenceStoreOptions? options = null)
    {
        _options = options ?? ReferenceStoreOptions.Default;
        _logger = _options.LoggerFactory.CreateLogger<ReferenceStore>();
        _options.Validate();
        _layout = new ReferenceLayout(rootDirectory);
    }

    /// <inheritdoc/>
    public string RootDirectory => _layout.RootDirectory;

    /// <inheritdoc/>
    public async Task<DirectoryInfo> EnsureAsync(
        string key,
        string fingerprint,
        Func<DirectoryInfo, CancellationToken, Task> build,
        bool force = false,
        CancellationToken cancellationToken = default)
    {
        ReferenceKey.Validate(key);
        ReferenceFingerprint.Validate(fingerprint);
        ArgumentNullException.ThrowIfNull(build);
        cancellationToken.ThrowIfCancellationRequested();

        var directory = new DirectoryInfo(_layout.KeyDirectory(key));
        if (!force && _layout.ReadMarker(key)?.Fingerprint == fingerprint)
        {
            return directory;
        }

        using var activity = ReferenceTelemetry.Start("reference.ensure", key);
        LogAcquiringLock(_logger, key, fingerprint);

        var handle = await _layout.LockAsync(key, _options.LockOptions, cancellationToken).ConfigureAwait(false);
        await using (handle.ConfigureAwait(false))
        {
            _layout.RepairUnderLock(key);

            // Re-check inside the lock: a peer process may have committed while we waited. Only `force` (the user's
            // request) overrides a matching marker; a markerless leftover directory never does.
            var current = _layout.ReadMarker(key);
            if (!force && current?.Fingerprint == fingerprint)
            {
                activity?.SetTag(StagecraftTags.ReferenceOutcome, "reused-peer");
                LogReusedPeerCommit(_logger, key, fingerprint);

                return directory;
            }

            if (_layout.IsKeyDirectoryLink(key))
            {
                throw new IOException($"Reference directory '{directory.FullName}' is a symbolic link; the store never replaces or writes through links.");
            }

            activity?.SetTag(StagecraftTags.ReferenceOutcome, "built");
            LogBuilding(_logger, key, fingerprint, current?.Fingerprint, force);

            var staging = _layout.CreateStaging(key);
            try
            {
                await build(new DirectoryInfo(staging), cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();

                // Marker last; ReplaceDirectory flushes the whole tree (marker included) before it goes live.
                ReferenceLayout.WriteMarkerIn(staging, fingerprint, lastWriteTimeUtc: null);
                await AtomicFile.ReplaceDirectoryAsync(staging, directory.FullName, _options.Durability, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                ReferenceLayout.DeleteTreeQuietly(staging);
                throw;
            }

            LogCommitted(_logger, key, fingerprint);

            directory.Refresh();
            return directory;
        }
    }

    /// <inheritdoc/>
    public DirectoryInfo? TryGet(string key)
    {
        ReferenceKey.Validate(key);
        return _layout.ReadMarker(key) is null ? null : new DirectoryInfo(_layout.KeyDirectory(key));
    }

    /// <summary>The keys of the root (directories named like keys, with or without a marker), in ordinal order.</summary>
    public IReadOnlyList<string> EnumerateKeys() => [.. _layout.EnumerateKeys()];

    /// <inheritdoc/>
    public ReferenceMarker? GetMarker(string key)
    {
        ReferenceKey.Validate(key);
        return _layout.ReadMarker(key);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Reference {Key} is not current for {Fingerprint}; waiting for its build lock.")]
    private static partial void LogAcquiringLock(ILogger logger, string key, string fingerprint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Reference {Key} was committed for {Fingerprint} by a peer while we waited; reusing it without building.")]
    private static partial void LogReusedPeerCommit(ILogger logger, string key, string fingerprint);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Building reference {Key} for {Fingerprint} (previous: {Previous}, forced: {Force}).")]
    private static partial void LogBuilding(ILogger logger, string key, string fingerprint, string? previous, bool force);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Committed reference {Key} for {Fingerprint}.")]
    private static partial void LogCommitted(ILogger logger, string key, string fingerprint);
}
