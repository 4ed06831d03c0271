using System.Runtime.InteropServices;
using Stagecraft.IO.Native;

namespace Stagecraft.IO;

public static partial class AtomicFile
{
    /// <summary>
    /// Atomically replaces the directory tree <paramref name="targetDirectory"/> with
    /// <paramref name="sourceDirectory"/> (which disappears): readers see the whole old tree or the whole new one.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Steps: recover leftovers of an earlier interrupted replace; optionally fsync the new tree; rename the
    /// target aside (<c>.{name}.stagecraft-aside-{ticks}-{random}</c>); rename the source in; optionally fsync
    /// the parent; rename the aside to a trash name and delete it.
    /// </para>
    /// <para>
    /// Crash window: between the two renames the target path does not exist, but the complete old tree is
    /// in the aside. <see cref="RecoverDirectory"/> (run first by every replace, and callable by readers that
    /// find the target missing) renames it back. A crash while deleting leaves a trash tree that recovery
    /// deletes; trash is never restored, so a half-deleted tree cannot come back.
    /// </para>
    /// <para>
    /// Callers must serialise replaces (and recoveries) of one target, e.g. with a <c>FileLock</c>:
    /// two unserialised replaces never corrupt the target, but one of them fails. The source must be on the
    /// same file system as the target (a sibling from <see cref="CreateStagingDirectory"/> is).
    /// </para>
    /// </remarks>
    /// <param name="sourceDirectory">The complete new tree; moved, not copied.</param>
    /// <param name="targetDirectory">The tree to replace; created if missing. Its parent must exist.</param>
    /// <param name="durability"><see cref="Durability.File"/> fsyncs every file and directory of the new tree before it goes live; <see cref="Durability.FileAndDirectory"/> also fsyncs the parent after the renames.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="sourceDirectory"/> does not exist.</exception>
    /// <exception cref="IOException">A rename failed (for example across file systems); the target is unchanged.</exception>
    /// <exception cref="UnsafeLocalPathException">The target or the source is a symbolic link: a tree is never replaced through a link.</exception>
    public static void ReplaceDirectory(string sourceDirectory, string targetDirectory, Durability durability) =>
        ReplaceDirectoryCoreAsync(sourceDirectory, targetDirectory, durability, async: false, CancellationToken.None).EnsureCompleted();

    /// <inheritdoc cref="ReplaceDirectory"/>
    /// <param name="sourceDirectory">The complete new tree; moved, not copied.</param>
    /// <param name="targetDirectory">The tree to replace; created if missing. Its parent must exist.</param>
    /// <param name="durability">See <see cref="ReplaceDirectory"/>.</param>
    /// <param name="cancellationToken">Honoured until the swap starts; the swap and clean-up always finish.</param>
    public static Task ReplaceDirectoryAsync(string sourceDirectory, string targetDirectory, Durability durability, CancellationToken cancellationToken = default) =>
        ReplaceDirectoryCoreAsync(sourceDirectory, targetDirectory, durability, async: true, cancellationToken).AsTask();

    /// <summary>
    /// The one replace: with <paramref name="async"/> the long steps (fsync of the new tree, deletion of the old one)
    /// run on the thread pool; without, on the calling thread, and the result is complete on return.
    /// </summary>
    private static async ValueTask ReplaceDirectoryCoreAsync(string sourceDirectory, string targetDirectory, Durability durability, bool async, CancellationToken cancellationToken)
    {
        var (source, target) = PrepareReplace(sourceDirectory, targetDirectory, durability);
        RecoverDirectory(target);
        if (durability != Durability.None)
        {
            await SyncOverAsync.RunAsync(() => FsyncTree(source), async, cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var trash = Swap(source, target, durability);
        if (trash is not null)
        {
            await SyncOverAsync.RunAsync(() => DeleteTreeQuietly(trash), async, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Repairs what an interrupted <see cref="ReplaceDirectory"/> left: if <paramref name="targetDirectory"/> is
    /// missing and an aside of it exists, the newest aside is renamed back; every other aside and trash tree of
    /// it is deleted. Serialise with replaces of the same target.
    /// </summary>
    /// <param name="targetDirectory">The directory a replace targets.</param>
    /// <returns>What was found and done.</returns>
    public static DirectoryRecoveryResult RecoverDirectory(string targetDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetDirectory);
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(targetDirectory));
        var parent = Path.GetDirectoryName(target);
        if (parent is null || !Directory.Exists(parent))
        {
            return DirectoryRecoveryResult.Clean;
        }

        var asidePrefix = TemporaryNames.AsidePrefixFor(target);
        var trashPrefix = TemporaryNames.TrashPrefixFor(target);
        var asides = new List<string>();
        var trash = new List<string>();
        foreach (var directory in new DirectoryInfo(parent).EnumerateDirectories("*", HiddenIncluded))
        {
            if (directory.Name.StartsWith(asidePrefix, StringComparison.Ordinal))
            {
                asides.Add(directory.FullName);
            }
            else if (directory.Name.StartsWith(trashPrefix, StringComparison.Ordinal))
            {
                trash.Add(directory.FullName);
            }
        }

        if (asides.Count == 0 && trash.Count == 0)
        {
            return DirectoryRecoveryResult.Clean;
        }

        var result = DirectoryRecoveryResult.RemovedLeftovers;
        if (!Directory.Exists(target) && !File.Exists(target) && asides.Count > 0)
        {
            // The name carries UTC ticks in fixed width: ordinal order is age order.
            asides.Sort(StringComparer.Ordinal);
            Directory.Move(asides[^1], target);
            asides.RemoveAt(asides.Count - 1);
            result = DirectoryRecoveryResult.RestoredPrevious;
        }

        foreach (var aside in asides)
        {
            var doomed = TemporaryNames.TrashFor(target);
            Directory.Move(aside, doomed);
            trash.Add(doomed);
        }

        foreach (var doomed in trash)
        {
            DeleteTreeQuietly(doomed);
        }

        return result;
    }

    /// <summary>
    /// Creates an empty hidden sibling of <paramref name="targetDirectory"/> to build a new tree in, on the
    /// same file system, for <see cref="ReplaceDirectory"/>. The name is recognised by
    /// <see cref="IsTemporaryFileName"/>.
    /// </summary>
    /// <param name="targetDirectory">The directory the staged tree will replace; its parent is created if missing.</param>
    /// <returns>The full path of the new, empty staging directory.</returns>
    public static string CreateStagingDirectory(string targetDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetDirectory);
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(targetDirectory));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        while (true)
        {
            var staging = TemporaryNames.StagingFor(target);
            if (OperatingSystem.IsWindows())
            {
                if (!Path.Exists(staging))
                {
                    Directory.CreateDirectory(staging);
                    return staging;
                }

                continue;
            }

            // mkdir fails on an existing name, link included: the staging tree is always one we created, never a
            // directory (or link) someone placed at that name, so nothing built in it can land elsewhere.
            if (LibC.Mkdir(staging, 0x1FF) == 0)
            {
                return staging;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno is not LibC.EEXIST and not LibC.EINTR)
            {
                throw new IOException($"Cannot create the staging directory '{staging}' ({LibC.Describe(errno)}).", errno);
            }
        }
    }

    private static (string Source, string Target) PrepareReplace(string sourceDirectory, string targetDirectory, Durability durability)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceDirectory);
        ArgumentException.ThrowIfNullOrEmpty(targetDirectory);
        if (!Enum.IsDefined(durability))
        {
            throw new ArgumentOutOfRangeException(nameof(durability), durability, "Unknown durability.");
        }

        var source = Path.TrimEndingDirectorySeparator(Path.GetFullPath(sourceDirectory));
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(targetDirectory));
        if (!Directory.Exists(source))
        {
            throw new DirectoryNotFoundException($"Source directory '{source}' does not exist.");
        }

        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        if (string.Equals(source, target, comparison) || target.StartsWith(source + Path.DirectorySeparatorChar, comparison) ||
            source.StartsWith(target + Path.DirectorySeparatorChar, comparison))
        {
            throw new ArgumentException($"Source '{source}' and target '{target}' must be distinct and not nested in each other.", nameof(sourceDirectory));
        }

        if (new FileInfo(target).LinkTarget is { } link)
        {
            throw new UnsafeLocalPathException(target, Path.GetDirectoryName(target) ?? target, $"is a symbolic link (to '{link}'); a tree is never replaced through a link");
        }

        if (new FileInfo(source).LinkTarget is { } sourceLink)
        {
            throw new UnsafeLocalPathException(source, Path.GetDirectoryName(source) ?? source, $"is a symbolic link (to '{sourceLink}'); only a real directory is moved into place");
        }

        if (File.Exists(target))
        {
            throw new IOException($"Target '{target}' is a file, not a directory.");
        }

        return (source, target);
    }

    /// <summary>The two renames; returns the trash tree to delete, if there was an old target.</summary>
    private static string? Swap(string source, string target, Durability durability)
    {
        string? aside = null;
        if (Directory.Exists(target))
        {
            aside = TemporaryNames.AsideFor(target);
            Directory.Move(target, aside);
        }

        try
        {
            Directory.Move(source, target);
        }
        catch when (aside is not null && !Path.Exists(target))
        {
            Directory.Move(aside, target);
            throw;
        }

        if (durability == Durability.FileAndDirectory)
        {
            FsyncDirectory(Path.GetDirectoryName(target)!);
            var sourceParent = Path.GetDirectoryName(source)!;
            if (!string.Equals(sourceParent, Path.GetDirectoryName(target), StringComparison.Ordinal))
            {
                FsyncDirectory(sourceParent);
            }
        }

        if (aside is null)
        {
            return null;
        }

        // Renamed before deleting, so a crash mid-delete leaves trash (always deleted), never a restorable half tree.
        var trash = TemporaryNames.TrashFor(target);
        Directory.Move(aside, trash);
        return trash;
    }

    private static void FsyncTree(string root)
    {
        var all = new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = true };
        foreach (var file in Directory.EnumerateFiles(root, "*", all))
        {
            FsyncFile(file);
        }

        foreach (var directory in Directory.EnumerateDirectories(root, "*", all))
        {
            FsyncDirectory(directory);
        }

        FsyncDirectory(root);
    }

    private static void DeleteTreeQuietly(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left as trash: the next RecoverDirectory of this target deletes it.
        }
    }
}
