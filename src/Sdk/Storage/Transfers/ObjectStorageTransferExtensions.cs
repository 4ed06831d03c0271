using System.Buffers;
using Stagecraft.IO;

namespace Stagecraft.Storage.Transfers;

/// <summary>
/// Directory transfers built only on <see cref="IObjectStorage"/>, so every adapter gets the same behaviour:
/// parallel with a bounded degree, unchanged files skipped (see <see cref="ChangeDetection"/>), the source file's
/// last write time kept in <see cref="TransferMetadata.LastWriteTimeKey"/> and restored on download, and each
/// downloaded file landing atomically (temp file + rename), so an interrupted download never leaves a partial
/// file under a final name.
/// </summary>
public static class ObjectStorageTransferExtensions
{
    private const int CopyBufferSize = 128 * 1024;

    /// <summary>
    /// Uploads every file of the tree under <paramref name="localDirectory"/> to <paramref name="prefix"/> (a folder: a
    /// <c>/</c> is added when missing), keyed by its relative path. What the tree holds is <see cref="DirectoryWalker"/>'s
    /// rule: by default a symbolic link is followed only when it resolves inside the directory, and links leading
    /// outside or nowhere are not uploaded but reported in <see cref="TransferResult.SkippedLinks"/>
    /// (<see cref="TransferOptions.SymbolicLinks"/> opts into following every link); temporary files of killed writers are
    /// not uploaded. All keys are validated before anything is uploaded.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="localDirectory"/> does not exist.</exception>
    /// <exception cref="ArgumentException">A relative path does not make a valid object key.</exception>
    public static async Task<TransferResult> UploadDirectoryAsync(
        this IObjectStorage storage,
        string localDirectory,
        string prefix,
        TransferOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        options ??= TransferOptions.Default;
        options.Validate();
        var root = TransferPaths.NormalizeRoot(localDirectory);
        var keyPrefix = TransferPaths.NormalizePrefix(prefix);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Cannot upload '{root}': the directory does not exist.");
        }

        var walk = DirectoryWalker.Walk(root, options.SymbolicLinks);
        var plan = walk.Files
            .Select(file => (Key: ObjectKey.Join(keyPrefix, file.RelativePath), File: new FileInfo(file.FullPath)))
            .ToList();
        var existing = options.ChangeDetection == ChangeDetection.None
            ? new Dictionary<string, ObjectInfo>(StringComparer.Ordinal)
            : await ListObjectsAsync(storage, keyPrefix, cancellationToken).ConfigureAwait(false);

        var tracker = new TransferTracker(plan.Count, plan.Sum(item => item.File.Length), options.Progress);
        await Parallel.ForEachAsync(
            plan,
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                // Read the time before the content: a file changed during the upload then looks changed next time.
                item.File.Refresh();
                var lastWriteTimeUtc = item.File.LastWriteTimeUtc;
                if (existing.TryGetValue(item.Key, out var info)
                    && await IsUnchangedAsync(info, item.File, options.ChangeDetection, ct).ConfigureAwait(false))
                {
                    tracker.Skipped(item.Key);
                    return;
                }

                var content = new FileStream(item.File.FullName, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, CopyBufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await using (content.ConfigureAwait(false))
                {
                    var put = new PutObjectOptions
                    {
                        Metadata = new Dictionary<string, string>(StringComparer.Ordinal)
                        {
                            [TransferMetadata.LastWriteTimeKey] = TransferMetadata.FormatLastWriteTime(lastWriteTimeUtc),
                        },
                    };
                    var written = await storage.PutAsync(item.Key, content, put, ct).ConfigureAwait(false);
                    tracker.Transferred(item.Key, written.Size);
                }
            }).ConfigureAwait(false);
        return tracker.ToResult() with { SkippedLinks = walk.SkippedLinks };
    }

    /// <summary>
    /// Downloads every object under <paramref name="prefix"/> (a folder: a <c>/</c> is added when missing) into
    /// <paramref name="localDirectory"/>, keyed by the rest of its key. Each file is written to a temporary file,
    /// checked against the object's CRC32C, given the object's recorded last write time and renamed into place.
    /// Keys that would land outside the directory or are not valid local names are refused before anything is written,
    /// and so is a plan whose path crosses a symbolic link below the directory (a link in the tree never redirects a
    /// write, even one that appears during the download: directories are opened without following links).
    /// Temporary files that killed downloads left in the directories written to are removed.
    /// Zero-byte folder placeholder objects (keys ending in <c>/</c>) are skipped.
    /// </summary>
    /// <exception cref="UnsafeObjectKeyException">A key cannot be mapped safely into <paramref name="localDirectory"/>.</exception>
    /// <exception cref="UnsafeLocalPathException">A path component below <paramref name="localDirectory"/> is a symbolic link.</exception>
    public static async Task<TransferResult> DownloadPrefixAsync(
        this IObjectStorage storage,
        string prefix,
        string localDirectory,
        TransferOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        options ??= TransferOptions.Default;
        options.Validate();
        var root = TransferPaths.NormalizeRoot(localDirectory);
        var keyPrefix = TransferPaths.NormalizePrefix(prefix);

        var objects = await ListObjectsAsync(storage, keyPrefix, cancellationToken).ConfigureAwait(false);
        var plan = objects.Values
            .Where(info => !(info.Key.EndsWith('/') && info.Size == 0))
            .Order(Comparer<ObjectInfo>.Create((a, b) => ObjectKeyComparer.Instance.Compare(a.Key, b.Key)))
            .Select(info => (Info: info, LocalPath: TransferPaths.ToLocalPath(root, keyPrefix, info.Key), Relative: info.Key[keyPrefix.Length..]))
            .ToList();
        TransferPaths.EnsureNoFileDirectoryClash(plan, item => item.Relative, item => item.Info.Key);
        ContainedTree.EnsureNoLinks(root, plan.Select(item => item.Relative));
        Directory.CreateDirectory(root);
        foreach (var directory in plan.Select(item => Path.GetDirectoryName(item.LocalPath)!).Distinct(StringComparer.Ordinal))
        {
            AtomicFile.DeleteOrphanedTemporaryFiles(directory);
        }

        using var tree = ContainedTree.Open(root);
        var tracker = new TransferTracker(plan.Count, plan.Sum(item => item.Info.Size), options.Progress);
        await Parallel.ForEachAsync(
            DirectorySpread.RoundRobin(plan, item => Path.GetDirectoryName(item.LocalPath) ?? string.Empty),
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                var local = new FileInfo(item.LocalPath);
                if (local.Exists && local.LinkTarget is null && await IsUnchangedAsync(item.Info, local, options.ChangeDetection, ct).ConfigureAwait(false))
                {
                    // Equal content by checksum may still carry another time; the source's time wins.
                    var sourceTime = SourceLastWriteTime(item.Info);
                    if (local.LastWriteTimeUtc != sourceTime)
                    {
                        tree.TrySetLastWriteTime(item.Relative, sourceTime);
                    }

                    tracker.Skipped(item.Info.Key);
                    return;
                }

                var bytes = await DownloadFileAsync(storage, item.Info.Key, tree, item.Relative, options.Durability, ct).ConfigureAwait(false);
                tracker.Transferred(item.Info.Key, bytes);
            }).ConfigureAwait(false);
        return tracker.ToResult();
    }

    private static async Task<long> DownloadFileAsync(IObjectStorage storage, string key, ContainedTree tree, string relative, Durability durability, CancellationToken cancellationToken)
    {
        var read = await storage.GetAsync(key, null, cancellationToken).ConfigureAwait(false);
        await using (read.ConfigureAwait(false))
        {
            var verified = new VerifyingReadStream(read.Content, read.Info);
            var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
            try
            {
                await tree.WriteAtomicAsync(relative, verified, SourceLastWriteTime(read.Info), durability, buffer, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            return verified.BytesRead;
        }
    }

    private static async Task<bool> IsUnchangedAsync(ObjectInfo info, FileInfo local, ChangeDetection mode, CancellationToken cancellationToken)
    {
        if (info.Size != local.Length)
        {
            return false;
        }

        return mode switch
        {
            ChangeDetection.SizeAndLastWriteTime => local.LastWriteTimeUtc == SourceLastWriteTime(info),
            ChangeDetection.Checksum => info.Crc32c is { } expected && await ComputeCrc32CAsync(local.FullName, cancellationToken).ConfigureAwait(false) == expected,
            _ => false,
        };
    }

    /// <summary>The time a downloaded file gets: the uploaded source's, or the object's own for objects written otherwise.</summary>
    private static DateTime SourceLastWriteTime(ObjectInfo info) =>
        TransferMetadata.TryGetLastWriteTime(info.Metadata, out var time) ? time : info.Updated.UtcDateTime;

    private static async Task<string> ComputeCrc32CAsync(string path, CancellationToken cancellationToken)
    {
        var crc = new Crc32C();
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                int n;
                while ((n = await stream.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    crc.Append(buffer.AsSpan(0, n));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return crc.ToBase64();
    }

    private static async Task<Dictionary<string, ObjectInfo>> ListObjectsAsync(IObjectStorage storage, string prefix, CancellationToken cancellationToken)
    {
        var objects = new Dictionary<string, ObjectInfo>(StringComparer.Ordinal);
        await foreach (var entry in storage.ListAsync(prefix, null, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Object is { } info)
            {
                objects[info.Key] = info;
            }
        }

        return objects;
    }
}
