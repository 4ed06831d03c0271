namespace Stagecraft.IO;

/// <summary>What <see cref="DirectoryWalker.Walk"/> found under a root.</summary>
/// <param name="Root">The walked root (full path).</param>
/// <param name="Files">The tree's files, sorted by relative path (ordinal).</param>
/// <param name="SkippedLinks">Links not followed, sorted by relative path.</param>
/// <param name="Leftovers">Full paths of temporary files and trees a killed writer left (never part of the tree).</param>
public sealed record DirectoryWalk(
    string Root,
    IReadOnlyList<WalkedFile> Files,
    IReadOnlyList<SkippedLink> SkippedLinks,
    IReadOnlyList<string> Leftovers);
