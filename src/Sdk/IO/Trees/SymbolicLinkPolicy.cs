namespace Stagecraft.IO;

/// <summary>Which symbolic links <see cref="DirectoryWalker"/> follows (see its remarks for the whole rule).</summary>
public enum SymbolicLinkPolicy
{
    /// <summary>
    /// The default: a link whose final target lies inside the walked root is followed (a file is read through it, a
    /// directory is walked, unless that directory is the link's own ancestor); a link leading outside the root is not
    /// followed and is reported. A secret outside the tree is never read by accident.
    /// </summary>
    FollowInsideRoot = 0,

    /// <summary>Every link that resolves is followed, wherever it leads (still never into a loop). An explicit opt-in.</summary>
    FollowAll = 1,
}
