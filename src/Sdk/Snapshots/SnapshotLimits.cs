namespace Stagecraft.Snapshots;

/// <summary>
/// Size limits on a snapshot's content, enforced both when building and when reading. Snapshots carry small things
/// (configuration, parameters, small referenced files); large inputs belong in object storage.
/// </summary>
public sealed record SnapshotLimits
{
    /// <summary>The defaults: 4 MiB per file, 48 MiB of files in total, 4096 files, 4 MiB of names and values.</summary>
    public static SnapshotLimits Default { get; } = new();

    /// <summary>The largest single file.</summary>
    public int MaxFileBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>The largest sum of file sizes.</summary>
    public long MaxTotalFileBytes { get; init; } = 48L * 1024 * 1024;

    /// <summary>The most files.</summary>
    public int MaxFiles { get; init; } = 4096;

    /// <summary>The largest sum of UTF-8 bytes of stage name, parameter, configuration and file names and values.</summary>
    public int MaxTextBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>The most parameters plus configuration entries.</summary>
    public int MaxEntries { get; init; } = 65_536;
}
