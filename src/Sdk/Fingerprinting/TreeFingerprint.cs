using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Stagecraft.IO;
using Stagecraft.IO.Native;

namespace Stagecraft.Fingerprinting;

/// <summary>
/// A stable SHA-256 of a directory tree: relative paths, sizes and contents, independent of enumeration
/// order, thread count and file timestamps.
/// </summary>
/// <remarks>
/// <para>
/// Definition (version 2): the files of the tree as <see cref="DirectoryWalker"/> defines it (the one rule shared with
/// uploads and stage outputs: links inside the tree followed, links leading out or nowhere left out, temporaries of
/// killed writers left out, empty directories not counted), minus excluded names, sorted by relative path
/// (<c>/</c>-separated, ordinal). The tree hash is SHA-256 over the header <c>stagecraft-tree-v2\n</c> then,
/// per file: the byte <c>F</c>, the UTF-8 path length (uint32, big-endian), the path, the
/// size (uint64, big-endian) and the file's 32-byte SHA-256. Length prefixes make every boundary
/// unambiguous, so a rename, a moved byte or a changed size always changes the hash.
/// </para>
/// <para>
/// Files are hashed in parallel (bounded by <see cref="TreeFingerprintOptions.MaxParallelism"/>) and
/// folded in sorted order. Files are opened with plain <c>open(O_RDONLY)</c> on Unix, not
/// <see cref="File.OpenHandle"/>, whose advisory <c>flock(LOCK_SH)</c> would fail on a held lock file
/// inside the tree. The tree must not change while it is hashed (hold its lock).
/// </para>
/// </remarks>
public static class TreeFingerprint
{
    private const int ReadBufferSize = 256 * 1024;
    private const int HashSize = 32;

    private static readonly byte[] Header = "stagecraft-tree-v2\n"u8.ToArray();

    /// <summary>Computes the tree hash of <paramref name="directory"/> as lower-case hex.</summary>
    /// <param name="directory">An existing directory.</param>
    /// <param name="options">Exclusions, parallelism, progress; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops hashing; throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    public static async Task<string> ComputeAsync(string directory, TreeFingerprintOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var tree = new TreeHasher();
        await foreach (var entry in EnumerateEntriesAsync(directory, options, cancellationToken).ConfigureAwait(false))
        {
            tree.Append(entry);
        }

        return tree.Finish();
    }

    /// <summary>
    /// Streams the tree's entries in hash order while later files are still being hashed; folding them with
    /// <see cref="Combine"/> gives <see cref="ComputeAsync"/>'s result. Useful to write a per-file manifest in
    /// the same pass.
    /// </summary>
    /// <param name="directory">An existing directory.</param>
    /// <param name="options">Exclusions, parallelism, progress; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops hashing; throws <see cref="OperationCanceledException"/>.</param>
    public static async IAsyncEnumerable<TreeFingerprintEntry> EnumerateEntriesAsync(
        string directory,
        TreeFingerprintOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= TreeFingerprintOptions.Default;
        var parallelism = options.MaxParallelism ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1, nameof(options) + "." + nameof(options.MaxParallelism));

        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Cannot fingerprint '{root}': the directory does not exist.");
        }

        var files = await Task.Run(() => List(root, options), cancellationToken).ConfigureAwait(false);
        var results = new TreeFingerprintEntry[files.Count];
        var ready = new TaskCompletionSource[files.Count];
        for (var i = 0; i < ready.Length; i++)
        {
            ready[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(parallelism, Math.Max(1, files.Count)))
            .Select(_ => Task.Run(() => HashWorker(files, results, ready, ref next, stop.Token), CancellationToken.None))
            .ToArray();
        try
        {
            long bytes = 0;
            for (var i = 0; i < files.Count; i++)
            {
                await ready[i].Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                var entry = results[i];
                bytes += entry.Size;
                options.Progress?.Report(new TreeFingerprintProgress(i + 1, files.Count, bytes));
                yield return entry;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(workers).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Folds entries (in any order; they are sorted by path) into the tree hash <see cref="ComputeAsync"/> defines.</summary>
    /// <param name="entries">Entries from <see cref="EnumerateEntriesAsync"/>, or from a manifest of them.</param>
    /// <returns>Lower-case hex SHA-256.</returns>
    public static string Combine(IEnumerable<TreeFingerprintEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var tree = new TreeHasher();
        foreach (var entry in entries.OrderBy(e => e.RelativePath, StringComparer.Ordinal))
        {
            tree.Append(entry);
        }

        return tree.Finish();
    }

    private static List<WalkedFile> List(string root, TreeFingerprintOptions options)
    {
        var excluded = options.ExcludedFileNames;
        return [.. DirectoryWalker.Walk(root).Files.Where(file => !excluded.Contains(Path.GetFileName(file.RelativePath)))];
    }

    private static void HashWorker(
        List<WalkedFile> files,
        TreeFingerprintEntry[] results,
        TaskCompletionSource[] ready,
        ref int next,
        CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> digest = stackalloc byte[HashSize];
        try
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < files.Count)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    ready[i].TrySetCanceled(cancellationToken);
                    continue;
                }

                var file = files[i];
                try
                {
                    var size = HashFile(file.FullPath, sha, buffer);
                    sha.GetHashAndReset(digest);
                    results[i] = new TreeFingerprintEntry(file.RelativePath, size, Convert.ToHexStringLower(digest));
                    ready[i].SetResult();
                }
#pragma warning disable CA1031 // handed to the consumer, in order, through its slot
                catch (Exception e)
#pragma warning restore CA1031
                {
                    ready[i].TrySetException(e);
                    sha.GetHashAndReset(digest);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static long HashFile(string path, IncrementalHash sha, byte[] buffer)
    {
        using var handle = OpenForReading(path);
        long offset = 0;
        int read;
        while ((read = RandomAccess.Read(handle, buffer, offset)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            offset += read;
        }

        return offset;
    }

    private static SafeFileHandle OpenForReading(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        }

        while (true)
        {
            var fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                throw new IOException($"Cannot open '{path}' for fingerprinting ({LibC.Describe(errno)}).", errno);
            }
        }
    }

    /// <summary>The tree-hash encoding, in one place.</summary>
    private sealed class TreeHasher : IDisposable
    {
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _scratch = new byte[1024];

        public TreeHasher() => _sha.AppendData(Header);

        public void Append(TreeFingerprintEntry entry)
        {
            var pathLength = Encoding.UTF8.GetByteCount(entry.RelativePath);
            var record = pathLength + 1 + 4 + 8 + HashSize <= _scratch.Length ? _scratch : new byte[pathLength + 1 + 4 + 8 + HashSize];
            var span = record.AsSpan();
            span[0] = (byte)'F';
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)pathLength);
            Encoding.UTF8.GetBytes(entry.RelativePath, span[5..]);
            var at = 5 + pathLength;
            BinaryPrimitives.WriteUInt64BigEndian(span[at..], (ulong)entry.Size);
            at += 8;
            if (Convert.FromHexString(entry.Sha256, span.Slice(at, HashSize), out _, out var written) != OperationStatus.Done || written != HashSize)
            {
                throw new ArgumentException($"Entry '{entry.RelativePath}' has an invalid SHA-256 '{entry.Sha256}': 64 hex digits are required.", nameof(entry));
            }

            _sha.AppendData(span[..(at + HashSize)]);
        }

        public string Finish() => Convert.ToHexStringLower(_sha.GetHashAndReset());

        public void Dispose() => _sha.Dispose();
    }
}
