using System.Text;
using Stagecraft.IO;
using Stagecraft.Locking;

namespace Stagecraft.References;

/// <summary>
/// Paths and marker I/O of one reference root: <c>&lt;root&gt;/&lt;key&gt;/</c> (the tree and its
/// <see cref="ReferenceFileNames.Marker"/>), <c>&lt;root&gt;/&lt;key&gt;.build.lock</c>, and hidden siblings
/// (staging trees, asides) named by <see cref="AtomicFile"/>. Shared by the store, the seeding, the uploader and the merger
/// so they lock, read and commit a key in exactly one way.
/// </summary>
internal sealed class ReferenceLayout
{
    // A marker is one short line; anything much longer is not one of ours.

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly EnumerationOptions HiddenIncluded = new() { AttributesToSkip = 0, RecurseSubdirectories = false, MatchType = MatchType.Simple };

    public ReferenceLayout(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        RootDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
    }

    public string RootDirectory { get; }

    public string KeyDirectory(string key) => Path.Join(RootDirectory, key);

    public string LockPath(string key) => Path.Join(RootDirectory, key + ReferenceFileNames.LockFileSuffix);

    public static string MarkerPath(string keyDirectory) => Path.Join(keyDirectory, ReferenceFileNames.Marker);

    /// <summary>Takes the key's cross-process lock (build, seed merge, upload and post-run merge all use this one).</summary>
    public Task<FileLockHandle> LockAsync(string key, FileLockOptions options, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(RootDirectory);
        return FileLock.AcquireAsync(LockPath(key), options, cancellationToken);
    }

    /// <summary>
    /// Under the key's lock: repairs what a killed writer left. A tree renamed aside by a replace that died between
    /// its two renames is put back (so a complete reference is never mistaken for a missing one), trash and stale
    /// staging trees are deleted (nobody else can be writing them while we hold the lock).
    /// </summary>
    public void RepairUnderLock(string key) => RepairDirectoryUnderLock(KeyDirectory(key));

    /// <inheritdoc cref="RepairUnderLock(string)"/>
    /// <param name="directory">A directory replaced only through <see cref="AtomicFile.ReplaceDirectory"/> under a lock the caller holds.</param>
    public static void RepairDirectoryUnderLock(string directory)
    {
        AtomicFile.RecoverDirectory(directory);
        var parent = Path.GetDirectoryName(directory);
        if (parent is null || !Directory.Exists(parent))
        {
            return;
        }

        var stagingPrefix = TemporaryNames.StagingPrefixFor(directory);
        foreach (var staging in new DirectoryInfo(parent).EnumerateDirectories(stagingPrefix + "*", HiddenIncluded))
        {
            if (staging.Name.StartsWith(stagingPrefix, StringComparison.Ordinal))
            {
                DeleteTreeQuietly(staging.FullName);
            }
        }
    }

    /// <summary>A new empty hidden sibling of the key's directory, on the same file system, to build a replacement tree in.</summary>
    public string CreateStaging(string key) => AtomicFile.CreateStagingDirectory(KeyDirectory(key));

    /// <summary>Whether the key's directory entry is a symbolic link (never written through).</summary>
    public bool IsKeyDirectoryLink(string key) => new FileInfo(KeyDirectory(key)).LinkTarget is not null;

    /// <summary>The key's marker, or <see langword="null"/> when it is missing, not a regular file, or not a valid fingerprint.</summary>
    public ReferenceMarker? ReadMarker(string key) => ReadMarkerIn(KeyDirectory(key));

    /// <inheritdoc cref="ReadMarker"/>
    public static ReferenceMarker? ReadMarkerIn(string keyDirectory)
    {
        var path = MarkerPath(keyDirectory);
        try
        {
            if (new FileInfo(path) is not { Exists: true, LinkTarget: null })
            {
                return null;
            }

            // One open descriptor for content and time: a marker replaced meanwhile cannot pair old text with a new time.
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = RandomAccess.GetLength(handle);
            if (length is 0 or > ReferenceFingerprint.MaxMarkerFileBytes)
            {
                return null;
            }

            var bytes = new byte[length];
            var read = 0;
            while (read < bytes.Length && RandomAccess.Read(handle, bytes.AsSpan(read), read) is var n and > 0)
            {
                read += n;
            }

            var fingerprint = StrictUtf8.GetString(bytes, 0, read).TrimEnd('\n', '\r');
            return ReferenceFingerprint.IsValid(fingerprint) ? new ReferenceMarker(fingerprint, File.GetLastWriteTimeUtc(handle)) : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Writes the marker into a (staging) tree: atomically, with the given time, flushed when the tree is.</summary>
    public static void WriteMarkerIn(string keyDirectory, string fingerprint, DateTime? lastWriteTimeUtc) =>
        AtomicFile.WriteAllText(MarkerPath(keyDirectory), fingerprint, new AtomicWriteOptions { LastWriteTimeUtc = lastWriteTimeUtc });

    /// <summary>Directories of the root that are named like keys (hidden siblings, lock files and gates are not).</summary>
    public IEnumerable<string> EnumerateKeys()
    {
        if (!Directory.Exists(RootDirectory))
        {
            return [];
        }

        return new DirectoryInfo(RootDirectory)
            .EnumerateDirectories("*", HiddenIncluded)
            .Select(d => d.Name)
            .Where(ReferenceKey.IsValid)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static void DeleteTreeQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Hidden leftovers are harmless; the next holder of the key's lock deletes them.
        }
    }
}
