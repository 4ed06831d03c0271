using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Stagecraft.IO.Native;

namespace Stagecraft.IO;

/// <summary>
/// Writes files below a root directory without ever resolving a path component below the root through a symbolic link,
/// so a link planted inside the tree (<c>target/sub → /elsewhere</c>) cannot redirect a write outside it.
/// </summary>
/// <remarks>
/// On Unix every directory below the root is opened with <c>openat(O_DIRECTORY | O_NOFOLLOW)</c> relative to its parent's
/// descriptor and files are created, renamed and removed relative to that descriptor (<c>openat(O_CREAT | O_EXCL |
/// O_NOFOLLOW)</c>, <c>renameat</c>, <c>unlinkat</c>): the check and the use are one system call, so swapping a directory for a
/// link mid-transfer cannot win a race. On Windows each component is checked before it is used. Directory descriptors are
/// kept for reuse (bounded), which also saves the kernel a full path lookup per file. Relative paths are <c>/</c>-separated
/// and already validated (no empty, <c>.</c> or <c>..</c> segments).
/// </remarks>
internal sealed class ContainedTree : IDisposable
{
    private const int MaxCachedDirectories = 256;
    private const int DirectoryMode = 0x1FF; // 0777, reduced by the umask
    private const int FileMode = 0x1B6; // 0666, reduced by the umask

    private readonly ConcurrentDictionary<string, SafeFileDescriptor> _directories = new(StringComparer.Ordinal);
    private readonly SafeFileDescriptor? _root;

    private ContainedTree(string root, SafeFileDescriptor? rootDescriptor)
    {
        Root = root;
        _root = rootDescriptor;
    }

    /// <summary>The root (full path, no trailing separator).</summary>
    public string Root { get; }

    private static bool Native => !OperatingSystem.IsWindows();

    /// <summary>Opens the existing directory <paramref name="root"/> (the root itself may be reached through a link: it is the caller's choice).</summary>
    public static ContainedTree Open(string root)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (!Native)
        {
            return Directory.Exists(full) ? new ContainedTree(full, null) : throw new DirectoryNotFoundException($"'{full}' does not exist.");
        }

        var fd = Retry(() => LibC.Open(full, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0), out var errno);
        return fd >= 0
            ? new ContainedTree(full, new SafeFileDescriptor(fd))
            : throw new IOException($"Cannot open directory '{full}' ({LibC.Describe(errno)}).", errno);
    }

    /// <summary>
    /// Checks, before anything is written, that no existing component of any of <paramref name="relativePaths"/> below
    /// <paramref name="root"/> is a symbolic link (the file names included: a download never writes through a link).
    /// </summary>
    /// <exception cref="UnsafeLocalPathException">The first such component.</exception>
    public static void EnsureNoLinks(string root, IEnumerable<string> relativePaths)
    {
        var checkedDirectories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var relative in relativePaths)
        {
            for (var at = relative.IndexOf('/', StringComparison.Ordinal); ; at = relative.IndexOf('/', at + 1))
            {
                var component = at < 0 ? relative : relative[..at];
                if (at >= 0 && !checkedDirectories.Add(component))
                {
                    continue;
                }

                var full = Path.Join(root, component);
                var info = new FileInfo(full);
                if (info.LinkTarget is { } target)
                {
                    throw new UnsafeLocalPathException(full, root, $"is a symbolic link (to '{target}')");
                }

                if (at < 0 || (int)info.Attributes == -1 || !info.Attributes.HasFlag(FileAttributes.Directory))
                {
                    break; // the file itself, or a component that does not exist yet (nothing below it exists either)
                }
            }
        }
    }

    /// <summary>Creates <paramref name="relativeDirectory"/> and its parents below the root, never through a link.</summary>
    public void CreateDirectories(string relativeDirectory)
    {
        if (relativeDirectory.Length == 0)
        {
            return;
        }

        using var lease = OpenDirectory(relativeDirectory, create: true);
    }

    /// <summary>Creates a new file (it must not exist) and returns its handle, open for writing.</summary>
    public SafeFileHandle CreateNew(string relativePath)
    {
        var (directory, name) = Split(relativePath);
        using var lease = OpenDirectory(directory, create: true);
        return CreateIn(lease, directory, name);
    }

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="relativePath"/> atomically: into a hidden temporary sibling
    /// (created exclusively), given <paramref name="lastWriteTimeUtc"/>, optionally fsynced, then renamed over the name. A
    /// failed write removes its temporary. Returns the bytes written.
    /// </summary>
    public async Task<long> WriteAtomicAsync(string relativePath, Stream content, DateTime? lastWriteTimeUtc, Durability durability, byte[] buffer, CancellationToken cancellationToken)
    {
        var (directory, name) = Split(relativePath);
        using var lease = OpenDirectory(directory, create: true);
        string temp;
        SafeFileHandle handle;
        for (var attempt = 0; ; attempt++)
        {
            temp = Path.GetFileName(TemporaryNames.TemporaryFileFor(Path.Join(Root, relativePath), attempt));
            try
            {
                handle = CreateIn(lease, directory, temp);
                break;
            }
            catch (IOException e) when (attempt < 8 && e.HResult == LibC.EEXIST)
            {
                // A concurrent writer of the same file in this process, or a leftover with our pid: another name.
            }
        }

        try
        {
            long offset = 0;
            using (handle)
            {
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    PositionalFile.Write(handle, buffer.AsSpan(0, read), offset);
                    offset += read;
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (lastWriteTimeUtc is { } time)
                {
                    FileTimes.SetLastWriteTimeUtc(handle, time);
                }

                if (durability != Durability.None)
                {
                    RandomAccess.FlushToDisk(handle);
                }
            }

            Rename(lease, directory, temp, name);
            if (durability == Durability.FileAndDirectory)
            {
                AtomicFile.FsyncDirectory(Path.Join(Root, directory));
            }

            return offset;
        }
        catch
        {
            Unlink(lease, directory, temp);
            throw;
        }
    }

    /// <summary>Sets the last write time of an existing file, refusing a link; false when the file does not exist.</summary>
    public bool TrySetLastWriteTime(string relativePath, DateTime lastWriteTimeUtc)
    {
        var (directory, name) = Split(relativePath);
        if (!Native)
        {
            var full = CheckedPath(directory, name);
            if (!File.Exists(full))
            {
                return false;
            }

            File.SetLastWriteTimeUtc(full, lastWriteTimeUtc);
            return true;
        }

        using var lease = OpenDirectory(directory, create: false);
        if (lease.Descriptor is null)
        {
            return false;
        }

        var fd = Retry(() => LibC.OpenAt(lease.Descriptor, name, LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0), out var errno);
        if (fd < 0)
        {
            return errno == LibC.ENOENT ? false : throw Failure(errno, directory, name, "open");
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        FileTimes.SetLastWriteTimeUtc(handle, lastWriteTimeUtc);
        return true;
    }

    public void Dispose()
    {
        foreach (var descriptor in _directories.Values)
        {
            descriptor.Dispose();
        }

        _directories.Clear();
        _root?.Dispose();
    }

    private static (string Directory, string Name) Split(string relativePath)
    {
        var at = relativePath.LastIndexOf('/');
        return at < 0 ? (string.Empty, relativePath) : (relativePath[..at], relativePath[(at + 1)..]);
    }

    /// <summary>The directory's descriptor (the root's for ""); <see cref="Lease.Descriptor"/> is null when it is missing and not created.</summary>
    private Lease OpenDirectory(string relativeDirectory, bool create)
    {
        if (!Native)
        {
            if (create)
            {
                Directory.CreateDirectory(CheckedPath(relativeDirectory, null));
            }

            return new Lease(null, Owned: false);
        }

        if (relativeDirectory.Length == 0)
        {
            return new Lease(_root, Owned: false);
        }

        if (_directories.TryGetValue(relativeDirectory, out var cached))
        {
            return new Lease(cached, Owned: false);
        }

        var (parentPath, name) = Split(relativeDirectory);
        SafeFileDescriptor descriptor;
        using (var parent = OpenDirectory(parentPath, create))
        {
            if (parent.Descriptor is null)
            {
                return new Lease(null, Owned: false);
            }

            var fd = OpenChildDirectory(parent.Descriptor, parentPath, name);
            if (fd < 0 && create)
            {
                if (LibC.MkdirAt(parent.Descriptor, name, DirectoryMode) != 0 && Marshal.GetLastPInvokeError() is var mkdirErrno && mkdirErrno != LibC.EEXIST)
                {
                    throw Failure(mkdirErrno, parentPath, name, "create directory");
                }

                fd = OpenChildDirectory(parent.Descriptor, parentPath, name);
            }

            if (fd < 0)
            {
                return create ? throw Failure(LibC.ENOENT, parentPath, name, "open directory") : new Lease(null, Owned: false);
            }

            descriptor = new SafeFileDescriptor(fd);
        }

        if (_directories.Count < MaxCachedDirectories)
        {
            if (_directories.TryAdd(relativeDirectory, descriptor))
            {
                return new Lease(descriptor, Owned: false);
            }

            descriptor.Dispose();
            return new Lease(_directories[relativeDirectory], Owned: false);
        }

        return new Lease(descriptor, Owned: true);
    }

    /// <summary>openat(O_DIRECTORY | O_NOFOLLOW): -1 when missing; a link or a non-directory is refused.</summary>
    private int OpenChildDirectory(SafeFileDescriptor parent, string parentPath, string name)
    {
        var fd = Retry(() => LibC.OpenAt(parent, name, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0), out var errno);
        if (fd >= 0 || errno == LibC.ENOENT)
        {
            return fd;
        }

        throw Failure(errno, parentPath, name, "open directory");
    }

    private SafeFileHandle CreateIn(Lease directory, string directoryPath, string name)
    {
        if (!Native)
        {
            return File.OpenHandle(CheckedPath(directoryPath, name), System.IO.FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        }

        var fd = Retry(() => LibC.OpenAt(directory.Descriptor!, name, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, FileMode), out var errno);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Failure(errno, directoryPath, name, "create");
    }

    private void Rename(Lease directory, string directoryPath, string from, string to)
    {
        if (!Native)
        {
            File.Move(CheckedPath(directoryPath, from), CheckedPath(directoryPath, to), overwrite: true);
            return;
        }

        if (LibC.RenameAt(directory.Descriptor!, from, directory.Descriptor!, to) != 0)
        {
            throw Failure(Marshal.GetLastPInvokeError(), directoryPath, to, "rename into");
        }
    }

    private void Unlink(Lease directory, string directoryPath, string name)
    {
        if (!Native)
        {
            File.Delete(CheckedPath(directoryPath, name));
            return;
        }

        _ = LibC.UnlinkAt(directory.Descriptor!, name, 0); // best effort: a leftover is hidden and cleaned by the next download
    }

    /// <summary>Windows: the full path, after checking that no existing component below the root is a link.</summary>
    private string CheckedPath(string relativeDirectory, string? name)
    {
        var relative = name is null ? relativeDirectory : relativeDirectory.Length == 0 ? name : relativeDirectory + "/" + name;
        EnsureNoLinks(Root, [relative]);
        return Path.Join(Root, relative.Replace('/', Path.DirectorySeparatorChar));
    }

    private Exception Failure(int errno, string directoryPath, string name, string operation)
    {
        var full = Path.Join(Root, directoryPath, name);
        if (errno == LibC.ELOOP || (errno == LibC.ENOTDIR && new FileInfo(full).LinkTarget is not null))
        {
            return new UnsafeLocalPathException(full, Root, $"is a symbolic link (to '{new FileInfo(full).LinkTarget}')");
        }

        if (errno == LibC.ENOTDIR)
        {
            return new UnsafeLocalPathException(full, Root, "is not a directory");
        }

        return new IOException($"Cannot {operation} '{full}' ({LibC.Describe(errno)}).", errno);
    }

    private static int Retry(Func<int> call, out int errno)
    {
        while (true)
        {
            var result = call();
            errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (result >= 0 || errno != LibC.EINTR)
            {
                return result;
            }
        }
    }

    /// <summary>A directory descriptor, disposed after use only when it is not cached.</summary>
    private readonly record struct Lease(SafeFileDescriptor? Descriptor, bool Owned) : IDisposable
    {
        public void Dispose()
        {
            if (Owned)
            {
                Descriptor?.Dispose();
            }
        }
    }
}
