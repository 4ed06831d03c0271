using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Stagecraft.IO;
using Stagecraft.Locking;
using Stagecraft.Storage;
using Stagecraft.Telemetry;

namespace Stagecraft.Local.Storage;

/// <summary>
/// <see cref="IObjectStorage"/> in a local directory, with Cloud Storage semantics: int64 generations that
/// strictly increase per key (also across delete and re-create), every precondition, user metadata, content
/// type, MD5 and CRC32C, ranged reads, prefix/delimiter listing in key order with paging, and copy. Several
/// processes may share one store: writers of a key are serialised by a kernel lock (<see cref="FileLock"/>), so
/// no update is lost and compare-and-swap loops are linearizable.
/// </summary>
/// <remarks>
/// <para>
/// Layout under <see cref="RootDirectory"/>: <c>objects/</c> (one file per object, see <see cref="ObjectPathEncoding"/>
/// and <see cref="ObjectFile"/>), <c>staging/</c> (uploads in progress), <c>locks/</c> (stripe lock files and
/// generation high-water marks, see <see cref="GenerationStripes"/>).
/// </para>
/// <para>
/// A write streams its content into <c>staging/</c> without any lock, then under the key's lock checks the
/// precondition, takes the next generation, appends the header, optionally fsyncs and renames the file over the
/// object's path. Content and header are one file and the rename is atomic, so a writer killed at any point
/// leaves the previous object whole, and a reader (who holds an open handle) sees one complete version.
/// Reads, stats and listings take no lock.
/// </para>
/// </remarks>
public sealed class LocalObjectStorage : IObjectStorage
{
    private const string ObjectsDirectoryName = "objects";
    private const string StagingDirectoryName = "staging";
    private const string LocksDirectoryName = "locks";
    private const string LayoutFileName = "stagecraft-object-store.json";
    private const string LayoutDescription = """{"layout":"stagecraft-local-object-storage","version":1}""";

    // A concurrent delete may remove an empty parent directory between our mkdir and our rename.
    private const int MaxCommitAttempts = 16;

    private static readonly ActivitySource Activities = new(StagecraftTelemetry.LocalStorageSource);

    private readonly LocalObjectStorageOptions _options;
    private readonly string _objectsDirectory;
    private readonly string _stagingDirectory;
    private readonly GenerationStripes _stripes;
    private readonly SortedDirectoryCache _directoryCache = new();

    /// <summary>Opens (creating if needed) the store in <paramref name="rootDirectory"/>.</summary>
    /// <exception cref="StorageException">The directory holds a store of another layout version.</exception>
    public LocalObjectStorage(string rootDirectory, LocalObjectStorageOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        _options = options ?? LocalObjectStorageOptions.Default;
        _options.Validate();
        RootDirectory = Path.GetFullPath(rootDirectory);
        _objectsDirectory = Path.Join(RootDirectory, ObjectsDirectoryName);
        _stagingDirectory = Path.Join(RootDirectory, StagingDirectoryName);
        _stripes = new GenerationStripes(Path.Join(RootDirectory, LocksDirectoryName));

        Directory.CreateDirectory(RootDirectory);
        EnsureLayout();
        Directory.CreateDirectory(_objectsDirectory);
        Directory.CreateDirectory(_stagingDirectory);
        Directory.CreateDirectory(Path.Join(RootDirectory, LocksDirectoryName));
        DeleteAbandonedUploads();
    }

    /// <summary>The store's directory (full path).</summary>
    public string RootDirectory { get; }

    /// <inheritdoc/>
    public async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        options ??= new PutObjectOptions();
        ObjectMetadata.Validate(options.Metadata, nameof(options));
        using var activity = StartActivity("Put", key);
        return await WriteAsync(key, content, options.ContentType ?? PutObjectOptions.DefaultContentType, options.Metadata, options.IfGenerationMatch, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The range starts at or past the end of the object.</exception>
    public Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        using var activity = StartActivity("Get", key);
        var file = ObjectFile.TryOpen(ObjectPathEncoding.ObjectFilePath(_objectsDirectory, key), key) ?? throw new ObjectNotFoundException(key);
        try
        {
            var info = file.Info;
            if (options?.IfGenerationMatch is { } expected && expected != info.Generation)
            {
                throw new PreconditionFailedException(key, expected, info.Generation);
            }

            var (start, length) = ResolveRange(key, options?.Range, info.Size);
            return Task.FromResult(new ObjectReadResult(info, new ObjectContentStream(file.Handle, start, length)));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(ObjectFile.TryReadInfo(ObjectPathEncoding.ObjectFilePath(_objectsDirectory, key), key));
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        var delimiter = options?.Delimiter;
        if (delimiter is { Length: 0 })
        {
            throw new ArgumentException("The listing delimiter must not be empty.", nameof(options));
        }

        var pageSize = options?.PageSize ?? _options.DefaultPageSize;
        if (pageSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), pageSize, "The listing page size must be at least 1.");
        }

        return ListPagesAsync(prefix, delimiter, pageSize, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<bool> DeleteAsync(string key, DeleteObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        using var activity = StartActivity("Delete", key);
        var path = ObjectPathEncoding.ObjectFilePath(_objectsDirectory, key);
        var lockHandle = await FileLock.AcquireAsync(_stripes.LockPath(key), cancellationToken).ConfigureAwait(false);
        await using (lockHandle.ConfigureAwait(false))
        {
            var current = ObjectFile.TryReadInfo(path, key);
            if (options?.IfGenerationMatch is { } expected && expected != (current?.Generation ?? 0))
            {
                throw new PreconditionFailedException(key, expected, current?.Generation ?? 0);
            }

            if (current is null)
            {
                return false;
            }

            _stripes.Remember(key, current.Generation);
            File.Delete(path);
            if (_options.Durability == Durability.FileAndDirectory)
            {
                AtomicFile.FsyncDirectory(Path.GetDirectoryName(path)!);
            }
        }

        RemoveEmptyParents(key);
        return true;
    }

    /// <inheritdoc/>
    public async Task<ObjectInfo> CopyAsync(string sourceKey, string destinationKey, CopyObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(sourceKey, nameof(sourceKey));
        ObjectKey.Validate(destinationKey, nameof(destinationKey));
        using var activity = StartActivity("Copy", destinationKey);
        activity?.SetTag(StagecraftTags.StorageSourceKey, sourceKey);
        using var source = ObjectFile.TryOpen(ObjectPathEncoding.ObjectFilePath(_objectsDirectory, sourceKey), sourceKey) ?? throw new ObjectNotFoundException(sourceKey);
        if (options?.IfSourceGenerationMatch is { } expected && expected != source.Info.Generation)
        {
            throw new PreconditionFailedException(sourceKey, expected, source.Info.Generation);
        }

        // The open handle pins the source version even if it is replaced meanwhile.
        var content = new ObjectContentStream(source.Handle, 0, source.Info.Size);
        await using (content.ConfigureAwait(false))
        {
            return await WriteAsync(destinationKey, content, source.Info.ContentType ?? PutObjectOptions.DefaultContentType, source.Info.Metadata, options?.IfGenerationMatch, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One listing page from <paramref name="cursor"/> on; <see cref="ListPage.Next"/> is null on the last page.</summary>
    internal ListPage ReadPage(string prefix, string? delimiter, int pageSize, ListCursor? cursor)
    {
        var entries = new List<ObjectListEntry>(Math.Min(pageSize, 1024));
        var walker = new ObjectTreeWalker(_objectsDirectory, prefix, cursor, delimiter, _directoryCache);
        foreach (var (key, path) in walker.Walk())
        {
            if (path is null)
            {
                entries.Add(ObjectListEntry.ForPrefix(key));
                walker.ExcludePrefix = key;
            }
            else if (delimiter is not null && key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal) is var at and >= 0)
            {
                var folded = key[..(at + delimiter.Length)];
                entries.Add(ObjectListEntry.ForPrefix(folded));
                walker.ExcludePrefix = folded;
            }
            else if (ObjectFile.TryReadInfo(path) is { } info)
            {
                entries.Add(ObjectListEntry.ForObject(info));
            }

            if (entries.Count == pageSize)
            {
                var last = entries[^1];
                return new ListPage(entries, last.IsPrefix ? new ListCursor(last.Prefix!, IsPrefix: true) : new ListCursor(last.Object!.Key, IsPrefix: false));
            }
        }

        return new ListPage(entries, null);
    }

    private async IAsyncEnumerable<ObjectListEntry> ListPagesAsync(string prefix, string? delimiter, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ListCursor? cursor = null;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            ListPage page;
            using (StartActivity("ListPage", prefix))
            {
                page = ReadPage(prefix, delimiter, pageSize, cursor);
            }

            foreach (var entry in page.Entries)
            {
                yield return entry;
            }

            cursor = page.Next;
            await Task.Yield();
        }
        while (cursor is not null);
    }

    private async Task<ObjectInfo> WriteAsync(string key, Stream content, string contentType, IReadOnlyDictionary<string, string>? metadata, long? ifGenerationMatch, CancellationToken cancellationToken)
    {
        using var upload = StagedUpload.Create(_stagingDirectory);
        await upload.CopyFromAsync(content, cancellationToken).ConfigureAwait(false);

        var path = ObjectPathEncoding.ObjectFilePath(_objectsDirectory, key);
        var lockHandle = await FileLock.AcquireAsync(_stripes.LockPath(key), cancellationToken).ConfigureAwait(false);
        await using (lockHandle.ConfigureAwait(false))
        {
            // From here on nothing is cancellable: the commit is short and must not stop half-way.
            var current = ObjectFile.TryReadInfo(path, key);
            var actual = current?.Generation ?? 0;
            if (ifGenerationMatch is { } expected && expected != actual)
            {
                throw new PreconditionFailedException(key, expected, actual);
            }

            var now = _options.TimeProvider.GetUtcNow();
            var header = new StoredObjectHeader
            {
                Key = key,
                Size = upload.Length,
                Generation = _stripes.Next(key, actual, (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10),
                Updated = now,
                ContentType = contentType,
                Metadata = metadata is null ? new(StringComparer.Ordinal) : new(metadata, StringComparer.Ordinal),
                Md5 = upload.Md5,
                Crc32c = upload.Crc32c,
            };
            upload.Seal(ObjectFile.EncodeTrailer(header), flushToDisk: _options.Durability != Durability.None);
            Commit(upload, key, path);
            return ObjectFile.ToInfo(header);
        }
    }

    private void Commit(StagedUpload upload, string key, string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            EnsureParentDirectories(key);
            try
            {
                upload.CommitTo(path);
                break;
            }
            catch (DirectoryNotFoundException) when (attempt < MaxCommitAttempts)
            {
                // An empty parent was removed by a concurrent delete after we created it; create it again.
            }
            catch (FileNotFoundException) when (attempt < MaxCommitAttempts && File.Exists(upload.Path))
            {
                // The same race, reported by the runtime as the target missing (rename's ENOENT) while our staged file is
                // still there: the parent went away under us; create it again.
            }
        }

        if (_options.Durability == Durability.FileAndDirectory)
        {
            AtomicFile.FsyncDirectory(Path.GetDirectoryName(path)!);
        }
    }

    /// <summary>Creates the key's parent directories; a hashed one gets its segment record before anything is committed inside.</summary>
    private void EnsureParentDirectories(string key)
    {
        foreach (var (directory, segment) in ObjectPathEncoding.ParentDirectories(_objectsDirectory, key))
        {
            Directory.CreateDirectory(directory);
            if (ObjectPathEncoding.IsHashed(Path.GetFileName(directory)))
            {
                var record = Path.Join(directory, ObjectPathEncoding.SegmentFileName);
                if (!File.Exists(record))
                {
                    AtomicFile.WriteAllText(record, segment, new AtomicWriteOptions { Durability = _options.Durability });
                }
            }
        }
    }

    /// <summary>
    /// Removes directories left empty by a delete, innermost first, so deleted prefixes do not pile up. Best effort:
    /// a directory that is not empty (or was refilled) stays. Hashed directories stay, so their segment record is
    /// never missing while an object is inside.
    /// </summary>
    private void RemoveEmptyParents(string key)
    {
        foreach (var (directory, _) in ObjectPathEncoding.ParentDirectories(_objectsDirectory, key).Reverse())
        {
            if (ObjectPathEncoding.IsHashed(Path.GetFileName(directory)))
            {
                return;
            }

            try
            {
                Directory.Delete(directory, recursive: false);
            }
            catch (IOException)
            {
                return;
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }

    private static (long Start, long Length) ResolveRange(string key, ByteRange? range, long size)
    {
        if (range is not { } r)
        {
            return (0, size);
        }

        if (r.From >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(range), r.ToString(), $"The range {r} starts at or past the end of '{key}' ({size} bytes).");
        }

        var last = Math.Min(r.To ?? long.MaxValue, size - 1);
        return (r.From, last - r.From + 1);
    }

    private void EnsureLayout()
    {
        var path = Path.Join(RootDirectory, LayoutFileName);
        if (File.Exists(path))
        {
            var found = File.ReadAllText(path).Trim();
            if (found != LayoutDescription)
            {
                throw new StorageException($"'{RootDirectory}' holds an object store of another layout ({found}); this version reads {LayoutDescription}.");
            }

            return;
        }

        AtomicFile.WriteAllText(path, LayoutDescription, new AtomicWriteOptions { Durability = _options.Durability });
    }

    private void DeleteAbandonedUploads()
    {
        var now = _options.TimeProvider.GetUtcNow().UtcDateTime;
        var cutoff = now - _options.AbandonedUploadAge;
        var deleted = 0;
        foreach (var file in new DirectoryInfo(_stagingDirectory).EnumerateFiles("*" + StagedUpload.FileExtension))
        {
            try
            {
                if (file.LastWriteTimeUtc <= cutoff)
                {
                    file.Delete();
                    deleted++;
                }
                else if (file.LastWriteTimeUtc <= now - StagedUpload.OwnerGoneAfter && StagedUpload.TryDeleteIfOwnerGone(file.FullName))
                {
                    deleted++;
                }
            }
            catch (IOException)
            {
                // Another process cleaning up at the same time.
            }
        }

        if (deleted > 0)
        {
            _options.LoggerFactory.CreateLogger<LocalObjectStorage>().LogInformation("Removed {Count} abandoned uploads from {Directory}", deleted, _stagingDirectory);
        }
    }

    private static Activity? StartActivity(string operation, string key)
    {
        if (!Activities.HasListeners())
        {
            return null; // the common case: no name built, nothing allocated per operation
        }

        var activity = Activities.StartActivity("LocalObjectStorage." + operation);
        activity?.SetTag(StagecraftTags.StorageKey, key);
        return activity;
    }
}
