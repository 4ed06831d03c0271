using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Stagecraft.IO;

namespace Stagecraft.Gcp.Bundles;

/// <summary>
/// Packs a publish directory into a reproducible <c>.tar.gz</c>: the same files with the same bytes give the same
/// archive, byte for byte, whoever packs them, whenever and wherever they lie. That is what lets the archive's SHA-256
/// name the bundle in storage (<c>bundles/{sha256}.tar.gz</c>), so an unchanged experiment is uploaded once and a VM can
/// verify what it downloaded.
/// </summary>
/// <remarks>
/// What would otherwise differ between two packs of the same content is fixed: entries are sorted by path (ordinal,
/// parents before their children), every entry has the same modification, access and change time
/// (<see cref="EntryTime"/>), owner and group 0 with empty names, mode 0755 for directories and for files with the
/// owner's execute bit, 0644 for every other file, and the gzip header carries no name and no time. The tree is read by
/// <see cref="DirectoryWalker"/> (temporary files of interrupted writers are left out; a link pointing outside the
/// directory is refused rather than silently dropped: the bundle would run without it).
/// </remarks>
public static class AppBundlePacker
{
    /// <summary>The time stamped on every entry (the Unix epoch plus one day, which every tar reader shows as a plain date).</summary>
    public static readonly DateTimeOffset EntryTime = DateTimeOffset.UnixEpoch.AddDays(1);

    private const UnixFileMode ExecutableMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode PlainMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Packs <paramref name="directory"/> into <paramref name="destination"/> (left open).</summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="AppBundleException">The directory holds no file, or a link that cannot be followed.</exception>
    public static async Task PackAsync(string directory, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(destination);
        var walk = DirectoryWalker.Walk(Path.GetFullPath(directory));
        if (walk.SkippedLinks.Count > 0)
        {
            var link = walk.SkippedLinks[0];
            throw new AppBundleException($"Cannot bundle '{walk.Root}': the symbolic link '{link.RelativePath}' cannot be followed ({link.Description}); a bundle must hold every file the program needs.");
        }

        if (walk.Files.Count == 0)
        {
            throw new AppBundleException($"Cannot bundle '{walk.Root}': it holds no file (expected the output of a self-contained publish).");
        }

        // GZipStream writes a header without file name and with MTIME 0: the archive's bytes depend on its content only.
        var gzip = new GZipStream(destination, CompressionLevel.Optimal, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var tar = new TarWriter(gzip, TarEntryFormat.Gnu, leaveOpen: true);
            await using (tar.ConfigureAwait(false))
            {
                foreach (var (path, file) in Entries(walk))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await WriteEntryAsync(tar, path, file, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Packs <paramref name="directory"/> into a new file <paramref name="archivePath"/> and returns the archive's SHA-256 (lower-case hex).</summary>
    /// <exception cref="IOException"><paramref name="archivePath"/> already exists.</exception>
    public static async Task<string> PackToFileAsync(string directory, string archivePath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        var file = new FileStream(archivePath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
        await using (file.ConfigureAwait(false))
        {
            await PackAsync(directory, file, cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Position = 0;
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>Every entry in archive order: each directory once, before what it holds; files under the path they have in the tree.</summary>
    private static IEnumerable<(string Path, WalkedFile? File)> Entries(DirectoryWalk walk)
    {
        var entries = new SortedDictionary<string, WalkedFile?>(StringComparer.Ordinal);
        foreach (var file in walk.Files)
        {
            entries[file.RelativePath] = file;
            for (var slash = file.RelativePath.LastIndexOf('/'); slash > 0; slash = file.RelativePath.LastIndexOf('/', slash - 1))
            {
                entries.TryAdd(file.RelativePath[..(slash + 1)], null);
            }
        }

        // "a/" sorts after "a.txt" but before "a/x": directories still precede their content, and the order is total.
        return entries.Select(e => (e.Key, e.Value));
    }

    /// <summary>
    /// The owner's execute bit; on Windows, which keeps none, a file without extension or with <c>.sh</c> (what a Linux
    /// publish output's programs look like: the apphost and <c>createdump</c>).
    /// </summary>
    private static bool IsExecutable(WalkedFile file) =>
        OperatingSystem.IsWindows()
            ? Path.GetExtension(file.RelativePath) is "" or ".sh"
            : (File.GetUnixFileMode(file.FullPath) & UnixFileMode.UserExecute) != 0;

    private static async Task WriteEntryAsync(TarWriter tar, string path, WalkedFile? file, CancellationToken cancellationToken)
    {
        var entry = new GnuTarEntry(file is null ? TarEntryType.Directory : TarEntryType.RegularFile, path)
        {
            ModificationTime = EntryTime,
            AccessTime = EntryTime,
            ChangeTime = EntryTime,
            Uid = 0,
            Gid = 0,
            UserName = string.Empty,
            GroupName = string.Empty,
            Mode = file is null || IsExecutable(file) ? ExecutableMode : PlainMode,
        };
        if (file is null)
        {
            await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            return;
        }

        var content = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using (content.ConfigureAwait(false))
        {
            entry.DataStream = content;
            await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }
    }
}
