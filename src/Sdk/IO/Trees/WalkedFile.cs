namespace Stagecraft.IO;

/// <summary>A file found by <see cref="DirectoryWalker"/>.</summary>
/// <param name="RelativePath">Its path below the root, <c>/</c>-separated (the link's name when reached through a link).</param>
/// <param name="FullPath">Where to read it: the file itself, or the link's resolved target.</param>
/// <param name="ThroughLink">Whether a symbolic link (to it or to a directory above it) was followed to reach it.</param>
public sealed record WalkedFile(string RelativePath, string FullPath, bool ThroughLink);
