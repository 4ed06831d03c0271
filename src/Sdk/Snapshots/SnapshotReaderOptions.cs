namespace Stagecraft.Snapshots;

/// <summary>Options for reading a snapshot.</summary>
public sealed record SnapshotReaderOptions
{
    /// <summary>The default cap on the decompressed payload: 64 MiB.</summary>
    public const long DefaultMaxUncompressedBytes = 64L * 1024 * 1024;

    /// <summary>The defaults.</summary>
    public static SnapshotReaderOptions Default { get; } = new();

    /// <summary>
    /// The most bytes the reader decompresses. Checked while decompressing, so a decompression bomb stops at this many
    /// bytes with <see cref="SnapshotLimitExceededException"/> instead of exhausting memory.
    /// </summary>
    public long MaxUncompressedBytes { get; init; } = DefaultMaxUncompressedBytes;

    /// <summary>The most compressed bytes accepted (checked before decompressing). Default 64 MiB.</summary>
    public long MaxCompressedBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Content limits, as for building.</summary>
    public SnapshotLimits Limits { get; init; } = SnapshotLimits.Default;
}
