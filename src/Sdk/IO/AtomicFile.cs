using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Stagecraft.IO.Native;

namespace Stagecraft.IO;

/// <summary>
/// Crash-safe file and directory-tree replacement: readers and crash survivors see the old content or the
/// new content, never a mix or a prefix.
/// </summary>
/// <remarks>
/// A file write goes to a hidden temporary sibling (<c>.{name}.{random}.stagecraft-tmp</c>), is optionally
/// fsynced and given its last-write time, then renamed over the target (atomic on POSIX; <c>MoveFileEx</c>
/// with replace on Windows), then the directory is optionally fsynced. A failed or cancelled write deletes
/// its temporary file; a <em>killed</em> writer leaves it behind, where it is ignorable (hidden, never the
/// target) and removable with <see cref="DeleteTemporaryFiles"/>.
/// </remarks>
public static partial class AtomicFile
{
    private const int CopyBufferSize = 128 * 1024;
    private const int InlineWriteLimit = 64 * 1024;

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Atomically replaces (or creates) <paramref name="path"/> with <paramref name="content"/>.</summary>
    /// <param name="path">The target file; its directory must exist.</param>
    /// <param name="content">The complete new content.</param>
    /// <param name="options">Durability and last-write time; <see langword="null"/> for the defaults.</param>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, AtomicWriteOptions? options = null)
    {
        using var pending = new PendingFile(path, options);
        RandomAccess.Write(pending.Handle, content, 0);
        pending.Commit(CancellationToken.None);
    }

    /// <summary>Atomically replaces (or creates) <paramref name="path"/> with <paramref name="content"/> as UTF-8 without a byte-order mark.</summary>
    /// <param name="path">The target file; its directory must exist.</param>
    /// <param name="content">The complete new text.</param>
    /// <param name="options">Durability and last-write time; <see langword="null"/> for the defaults.</param>
    public static void WriteAllText(string path, string content, AtomicWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        var buffer = ArrayPool<byte>.Shared.Rent(Utf8NoBom.GetMaxByteCount(content.Length));
        try
        {
            var length = Utf8NoBom.GetBytes(content, buffer);
            WriteAllBytes(path, buffer.AsSpan(0, length), options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Atomically replaces (or creates) <paramref name="path"/> with <paramref name="content"/>.</summary>
    /// <param name="path">The target file; its directory must exist.</param>
    /// <param name="content">The complete new content.</param>
    /// <param name="options">Durability and last-write time; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels before the rename; the target is then untouched.</param>
    public static async Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> content, AtomicWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var pending = new PendingFile(path, options);
        if (content.Length <= InlineWriteLimit)
        {
            // A page-cache write this small finishes faster than a thread-pool hop would take.
            RandomAccess.Write(pending.Handle, content.Span, 0);
        }
        else
        {
            await RandomAccess.WriteAsync(pending.Handle, content, 0, cancellationToken).ConfigureAwait(false);
        }

        pending.Commit(cancellationToken);
    }

    /// <summary>Atomically replaces (or creates) <paramref name="path"/> with UTF-8 text (no byte-order mark).</summary>
    /// <param name="path">The target file; its directory must exist.</param>
    /// <param name="content">The complete new text.</param>
    /// <param name="options">Durability and last-write time; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels before the rename; the target is then untouched.</param>
    public static Task WriteAllTextAsync(string path, string content, AtomicWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return WriteAllBytesAsync(path, Utf8NoBom.GetBytes(content), options, cancellationToken);
    }

    /// <summary>Atomically replaces (or creates) <paramref name="path"/> with everything read from <paramref name="content"/>.</summary>
    /// <param name="path">The target file; its directory must exist.</param>
    /// <param name="content">Read to its end from the current position; not disposed.</param>
    /// <param name="options">Durability and last-write time; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels before the rename; the target is then untouched.</param>
    public static async Task WriteAsync(string path, Stream content, AtomicWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var pending = new PendingFile(path, options);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long offset = 0;
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await RandomAccess.WriteAsync(pending.Handle, buffer.AsMemory(0, read), offset, cancellationToken).ConfigureAwait(false);
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        pending.Commit(cancellationToken);
    }

    /// <summary>
    /// Flushes a directory's entries (creations, renames, deletions) to disk: <c>open(O_RDONLY|O_DIRECTORY)</c>
    /// plus <c>fsync</c>, which .NET cannot do because it has no directory handles. A no-op on Windows, where
    /// NTFS journals metadata and directories cannot be flushed this way.
    /// </summary>
    /// <param name="directory">An existing directory.</param>
    /// <exception cref="IOException">open or fsync failed; the message carries the errno.</exception>
    public static void FsyncDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var full = Path.GetFullPath(directory);
        using var descriptor = OpenForFsync(full, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, "directory");
        Fsync(descriptor, full, "directory");
    }

    /// <summary>fsyncs an existing file by path (Unix: read-only descriptor; Windows: FlushFileBuffers).</summary>
    internal static void FsyncFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            stream.Flush(flushToDisk: true);
            return;
        }

        using var descriptor = OpenForFsync(path, LibC.O_RDONLY | LibC.O_CLOEXEC, "file");
        Fsync(descriptor, path, "file");
    }

    private static SafeFileDescriptor OpenForFsync(string path, int flags, string what)
    {
        while (true)
        {
            var fd = LibC.Open(path, flags, 0);
            if (fd >= 0)
            {
                return new SafeFileDescriptor(fd);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                throw new IOException($"Cannot open {what} '{path}' to fsync it ({LibC.Describe(errno)}).", errno);
            }
        }
    }

    private static void Fsync(SafeFileDescriptor descriptor, string path, string what)
    {
        while (LibC.Fsync(descriptor) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                throw new IOException($"fsync of {what} '{path}' failed ({LibC.Describe(errno)}).", errno);
            }
        }
    }

    /// <summary>
    /// Deletes temporary files left in <paramref name="directory"/> (not recursively) by killed writers, if
    /// they were last written at least <paramref name="minimumAge"/> ago. Pass <see cref="TimeSpan.Zero"/>
    /// only while holding the lock that serialises writers of that directory.
    /// </summary>
    /// <returns>The number of files deleted.</returns>
    public static int DeleteTemporaryFiles(string directory, TimeSpan minimumAge, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumAge, TimeSpan.Zero);
        var cutoff = (timeProvider ?? TimeProvider.System).GetUtcNow().UtcDateTime - minimumAge;
        var deleted = 0;
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*" + TemporaryNames.FileSuffix, HiddenIncluded))
        {
            if (TemporaryNames.IsTemporaryFile(file.Name) && file.LastWriteTimeUtc <= cutoff && DeleteQuietly(file.FullName))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>
    /// Deletes temporary files in <paramref name="directory"/> (not recursively) whose creating process is provably gone
    /// (their name carries its id and no process has it any more), whatever their age: they can only be a killed writer's.
    /// </summary>
    /// <returns>The number of files deleted.</returns>
    internal static int DeleteOrphanedTemporaryFiles(string directory)
    {
        var deleted = 0;
        try
        {
            foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*" + TemporaryNames.FileSuffix, HiddenIncluded))
            {
                if (TemporaryNames.TryGetOwnerProcessId(file.Name, out var owner) && owner != Environment.ProcessId
                    && file.LinkTarget is null && ProcessLiveness.IsProvablyGone(owner) && DeleteQuietly(file.FullName))
                {
                    deleted++;
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing there to clean.
        }

        return deleted;
    }

    /// <summary>Whether <paramref name="fileName"/> is an <see cref="AtomicFile"/> temporary (readers and fingerprints may skip these).</summary>
    public static bool IsTemporaryFileName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return TemporaryNames.IsTemporaryFile(fileName) || TemporaryNames.IsStagingDirectory(fileName) || TemporaryNames.IsAside(fileName);
    }

    // Unix "hidden" means dot-prefixed, which is exactly what our temporaries are.
    private static readonly EnumerationOptions HiddenIncluded = new() { AttributesToSkip = 0, RecurseSubdirectories = false, MatchType = MatchType.Simple };

    private static (string Target, AtomicWriteOptions Options) Prepare(string path, AtomicWriteOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= AtomicWriteOptions.Default;
        if (!Enum.IsDefined(options.Durability))
        {
            throw new ArgumentException($"Unknown durability '{options.Durability}'.", nameof(options));
        }

        var target = Path.GetFullPath(path);
        if (target.EndsWith(Path.DirectorySeparatorChar) || target.EndsWith(Path.AltDirectorySeparatorChar))
        {
            throw new ArgumentException($"Path '{path}' names a directory, not a file.", nameof(path));
        }

        return (target, options);
    }

    /// <summary>Creates a temporary sibling of <paramref name="target"/> exclusively (O_EXCL), renaming on the rare collision.</summary>
    private static SafeFileHandle CreateTemporary(string target, out string temp)
    {
        for (var attempt = 0; ; attempt++)
        {
            temp = TemporaryNames.TemporaryFileFor(target, attempt);
            try
            {
                // No preallocation: fallocate costs a syscall and bypasses delayed allocation, for no gain on whole-file writes.
                // FileShare.Read avoids .NET's flock(LOCK_EX) emulation of FileShare.None (a wasted syscall here).
                return File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            }
            catch (IOException ex) when (attempt < 8 && (IsAlreadyExists(ex) || File.Exists(temp)))
            {
                // A concurrent writer of the same target in this process holds (or just renamed away) the same name:
                // checking File.Exists alone lost that race, so the errno decides.
            }
        }
    }

    /// <summary>EEXIST on Unix (.NET puts the raw errno in HResult), ERROR_FILE_EXISTS on Windows.</summary>
    private static bool IsAlreadyExists(IOException ex) =>
        ex is not DirectoryNotFoundException
        && (OperatingSystem.IsWindows() ? ex.HResult == unchecked((int)0x80070050) : ex.HResult == 17);

    /// <summary>Last-write time after the last byte (writes bump mtime), then fsync if asked.</summary>
    private static void Seal(SafeFileHandle handle, AtomicWriteOptions options)
    {
        if (options.LastWriteTimeUtc is { } mtime)
        {
            FileTimes.SetLastWriteTimeUtc(handle, mtime);
        }

        if (options.Durability != Durability.None)
        {
            FlushToDisk(handle);
        }
    }

    private static void FlushToDisk(SafeFileHandle handle)
    {
        using var stream = new FileStream(handle, FileAccess.Write, bufferSize: 0);
        stream.Flush(flushToDisk: true);
    }

    private static bool DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The one file-write protocol every write above follows: the caller writes the content to <see cref="Handle"/>,
    /// a temporary sibling created exclusively; <see cref="Commit"/> seals it (last-write time, fsync) and renames it
    /// over the target. Disposed without a commit (the write failed or was cancelled), it deletes the temporary.
    /// </summary>
    private sealed class PendingFile : IDisposable
    {
        private readonly string _target;
        private readonly string _temp;
        private readonly AtomicWriteOptions _options;
        private bool _committed;

        public PendingFile(string path, AtomicWriteOptions? options)
        {
            (_target, _options) = Prepare(path, options);
            Handle = CreateTemporary(_target, out _temp);
        }

        /// <summary>The temporary, open for writing from offset 0.</summary>
        public SafeFileHandle Handle { get; }

        /// <summary>Seals the content and renames it over the target; cancellation is honoured until the rename.</summary>
        public void Commit(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Seal(Handle, _options);
            Handle.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(_temp, _target, overwrite: true);
            _committed = true;
            if (_options.Durability == Durability.FileAndDirectory)
            {
                FsyncDirectory(Path.GetDirectoryName(_target)!);
            }
        }

        public void Dispose()
        {
            Handle.Dispose();
            if (!_committed)
            {
                DeleteQuietly(_temp);
            }
        }
    }
}
