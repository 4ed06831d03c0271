using Stagecraft.IO;

namespace Stagecraft.Storage.Transfers;

/// <summary>Options for <see cref="ObjectStorageTransferExtensions"/>.</summary>
public sealed record TransferOptions
{
    /// <summary>The default for <see cref="MaxParallelism"/>.</summary>
    public const int DefaultMaxParallelism = 8;

    /// <summary>The largest accepted <see cref="MaxParallelism"/>.</summary>
    public const int MaxAllowedParallelism = 256;

    /// <summary>The options used when none are given.</summary>
    public static TransferOptions Default { get; } = new();

    /// <summary>How many files are transferred at once (1 to <see cref="MaxAllowedParallelism"/>).</summary>
    public int MaxParallelism { get; init; } = DefaultMaxParallelism;

    /// <summary>How unchanged files are recognised and skipped.</summary>
    public ChangeDetection ChangeDetection { get; init; } = ChangeDetection.SizeAndLastWriteTime;

    /// <summary>What each downloaded file's atomic write fsyncs. Default: <see cref="Durability.None"/> (atomic against process crashes).</summary>
    public Durability Durability { get; init; } = Durability.None;

    /// <summary>
    /// Uploads: which symbolic links are followed. Default: <see cref="SymbolicLinkPolicy.FollowInsideRoot"/> (links leading
    /// outside the uploaded directory are not uploaded, and are reported). Downloads never write through a link.
    /// </summary>
    public SymbolicLinkPolicy SymbolicLinks { get; init; } = SymbolicLinkPolicy.FollowInsideRoot;

    /// <summary>Receives a report after each file transferred. Default: none.</summary>
    public IProgress<TransferProgress>? Progress { get; init; }

    internal void Validate()
    {
        if (MaxParallelism is < 1 or > MaxAllowedParallelism)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxParallelism), MaxParallelism, $"MaxParallelism must be between 1 and {MaxAllowedParallelism}.");
        }

        if (!Enum.IsDefined(ChangeDetection))
        {
            throw new ArgumentOutOfRangeException(nameof(ChangeDetection), ChangeDetection, "Unknown change detection mode.");
        }

        if (!Enum.IsDefined(SymbolicLinks))
        {
            throw new ArgumentOutOfRangeException(nameof(SymbolicLinks), SymbolicLinks, "Unknown symbolic link policy.");
        }

        if (!Enum.IsDefined(Durability))
        {
            throw new ArgumentOutOfRangeException(nameof(Durability), Durability, "Unknown durability.");
        }
    }
}
