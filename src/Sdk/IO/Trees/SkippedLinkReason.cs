namespace Stagecraft.IO;

/// <summary>Why <see cref="DirectoryWalker"/> did not follow a symbolic link.</summary>
public enum SkippedLinkReason
{
    /// <summary>The link's target does not exist.</summary>
    Dangling,

    /// <summary>The link resolves outside the walked root (<see cref="SymbolicLinkPolicy.FollowInsideRoot"/>).</summary>
    OutsideRoot,

    /// <summary>The link leads to a directory that contains it: following it would never end.</summary>
    Loop,
}
