namespace Stagecraft.IO;

/// <summary>How much of an atomic write survives a power loss or kernel crash (a process crash never tears it).</summary>
public enum Durability
{
    /// <summary>No <c>fsync</c>: atomic against process crashes; after a power loss the target may be the old or new content, or (on some file systems) empty.</summary>
    None,

    /// <summary><c>fsync</c> the new content before the rename: after a power loss the target is old or new, complete either way.</summary>
    File,

    /// <summary>Also <c>fsync</c> the containing directory after the rename: the new content is on disk when the call returns.</summary>
    FileAndDirectory,
}
