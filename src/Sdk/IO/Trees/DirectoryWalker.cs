using Stagecraft.IO.Native;

namespace Stagecraft.IO;

/// <summary>
/// The one walk of a local directory tree, used by directory uploads, directory signals (stage outputs and their
/// fingerprints), reference uploads and <c>TreeFingerprint</c>, so every feature agrees on what a tree holds.
/// </summary>
/// <remarks>
/// <para>The rule:</para>
/// <list type="bullet">
/// <item>Regular files are the tree. Empty directories do not count (as in git).</item>
/// <item>Temporary files and trees that <see cref="AtomicFile"/> writers leave when killed (<c>.{name}.{token}.stagecraft-tmp</c>,
/// staging, aside and trash trees) are never part of the tree and never entered; they are returned as
/// <see cref="DirectoryWalk.Leftovers"/> so the caller can clean them.</item>
/// <item>A symbolic link is resolved to its final target. A dangling link is skipped and reported. With
/// <see cref="SymbolicLinkPolicy.FollowInsideRoot"/> (the default) a link whose target lies outside the root is skipped and
/// reported, so a link to a secret (or to <c>/etc/hostname</c>) never leaks its content. A followed link to a file is a file of
/// the tree under the link's name; a followed link to a directory is walked under the link's name, unless the directory
/// contains the link (or any directory on the way to it): that would never end, and is skipped and reported.</item>
/// </list>
/// <para>The walk takes no lock; a directory removed while it is walked is left out.</para>
/// </remarks>
public static class DirectoryWalker
{
    private static readonly EnumerationOptions Everything = new() { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false, MatchType = MatchType.Simple };

    /// <summary>Walks <paramref name="directory"/> by the rule in the remarks.</summary>
    /// <param name="directory">An existing directory (it may itself be reached through a link).</param>
    /// <param name="links">Which symbolic links to follow.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    public static DirectoryWalk Walk(string directory, SymbolicLinkPolicy links = SymbolicLinkPolicy.FollowInsideRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Enum.IsDefined(links))
        {
            throw new ArgumentOutOfRangeException(nameof(links), links, "Unknown symbolic link policy.");
        }

        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Cannot walk '{root}': the directory does not exist.");
        }

        var realRoot = Resolve(root) ?? root;
        var files = new List<WalkedFile>();
        var skipped = new List<SkippedLink>();
        var leftovers = new List<string>();
        var pending = new Stack<(string Path, string Relative, string[] Chain, bool Linked)>();
        pending.Push((root, string.Empty, [realRoot], false));
        var first = true;
        while (pending.TryPop(out var current))
        {
            List<FileSystemInfo> entries;
            try
            {
                entries = [.. new DirectoryInfo(current.Path).EnumerateFileSystemInfos("*", Everything)];
            }
            catch (DirectoryNotFoundException) when (!first)
            {
                continue;
            }

            first = false;
            foreach (var entry in entries)
            {
                var relative = current.Relative + entry.Name;
                if (AtomicFile.IsTemporaryFileName(entry.Name))
                {
                    leftovers.Add(entry.FullName);
                }
                else if (entry.LinkTarget is { } target)
                {
                    var resolved = Resolve(entry.FullName);
                    if (resolved is null)
                    {
                        skipped.Add(new SkippedLink(relative, SkippedLinkReason.Dangling, target));
                    }
                    else if (links == SymbolicLinkPolicy.FollowInsideRoot && !IsSameOrInside(resolved, realRoot))
                    {
                        skipped.Add(new SkippedLink(relative, SkippedLinkReason.OutsideRoot, target));
                    }
                    else if (!Directory.Exists(resolved))
                    {
                        files.Add(new WalkedFile(relative, resolved, ThroughLink: true));
                    }
                    else if (current.Chain.Any(dir => IsSameOrInside(dir, resolved)))
                    {
                        skipped.Add(new SkippedLink(relative, SkippedLinkReason.Loop, target));
                    }
                    else
                    {
                        pending.Push((resolved, relative + "/", [.. current.Chain, resolved], true));
                    }
                }
                else if (entry is DirectoryInfo)
                {
                    pending.Push((entry.FullName, relative + "/", [.. current.Chain[..^1], Path.Join(current.Chain[^1], entry.Name)], current.Linked));
                }
                else
                {
                    files.Add(new WalkedFile(relative, entry.FullName, current.Linked));
                }
            }
        }

        files.Sort(static (a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        skipped.Sort(static (a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        leftovers.Sort(StringComparer.Ordinal);
        return new DirectoryWalk(root, files, skipped, leftovers);
    }

    /// <summary>The final target of <paramref name="path"/> as a canonical path, or <see langword="null"/> when it does not resolve.</summary>
    private static string? Resolve(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            return LibC.RealPath(path);
        }

        var info = new FileInfo(path);
        var final = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true);
        return final is not null && Path.Exists(final.FullName) ? Path.TrimEndingDirectorySeparator(final.FullName) : null;
    }

    private static bool IsSameOrInside(string path, string directory)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return path.Equals(directory, comparison)
            || path.StartsWith(Path.EndsInDirectorySeparator(directory) ? directory : directory + Path.DirectorySeparatorChar, comparison);
    }
}
