using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.IO;
using Stagecraft.Locking;
using Stagecraft.Storage.Transfers;

namespace Stagecraft.References;

/// <summary>Options for <see cref="PostRunMerger"/>.</summary>
public sealed record PostRunMergerOptions
{
    /// <summary>The defaults.</summary>
    public static PostRunMergerOptions Default { get; } = new();

    /// <summary>
    /// What is flushed before a merged tree goes live. Default: <see cref="Durability.File"/> (as <see cref="ReferenceStoreOptions.Durability"/>).
    /// <see cref="Durability.None"/> is still atomic against process crashes.
    /// </summary>
    public Durability Durability { get; init; } = Durability.File;

    /// <summary>Files downloaded at once (1 to <see cref="TransferOptions.MaxAllowedParallelism"/>). Default: 8.</summary>
    public int MaxParallelism { get; init; } = TransferOptions.DefaultMaxParallelism;

    /// <summary>Whether to write the report to <c>ReferencePaths.MergeReport</c>. Default: <see langword="true"/>.</summary>
    public bool PersistReport { get; init; } = true;

    /// <summary>Options of the per-key lock (shared with builds and seeding).</summary>
    public FileLockOptions LockOptions { get; init; } = FileLockOptions.Default;

    /// <summary>Clock for the report. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Receives progress after each key. Default: none.</summary>
    public IProgress<MergeProgress>? Progress { get; init; }

    /// <summary>Where one message per merged, skipped and ignored item goes. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    internal void Validate()
    {
        if (!Enum.IsDefined(Durability))
        {
            throw new ArgumentOutOfRangeException(nameof(Durability), Durability, "Unknown durability.");
        }

        if (MaxParallelism is < 1 or > TransferOptions.MaxAllowedParallelism)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxParallelism), MaxParallelism, $"MaxParallelism must be between 1 and {TransferOptions.MaxAllowedParallelism}.");
        }

        ArgumentNullException.ThrowIfNull(LockOptions);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
