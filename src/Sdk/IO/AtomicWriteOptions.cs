namespace Stagecraft.IO;

/// <summary>Options for <see cref="AtomicFile"/> writes.</summary>
public sealed record AtomicWriteOptions
{
    /// <summary>The defaults: no fsync, mtime = time of the write.</summary>
    public static AtomicWriteOptions Default { get; } = new();

    /// <summary>What to fsync. Default: <see cref="IO.Durability.None"/>.</summary>
    public Durability Durability { get; init; } = Durability.None;

    /// <summary>
    /// When set, the file's last-write time, applied to the temporary file before the rename so the target
    /// never shows the write time (keeps a copied file's <em>source</em> mtime, e.g. for newest-wins merges).
    /// </summary>
    public DateTime? LastWriteTimeUtc { get; init; }
}
