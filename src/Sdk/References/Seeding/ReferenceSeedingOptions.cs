using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.IO;
using Stagecraft.Locking;
using Stagecraft.Storage.Transfers;

namespace Stagecraft.References;

/// <summary>Options for <see cref="ReferenceSeeding"/>.</summary>
public sealed record ReferenceSeedingOptions
{
    /// <summary>The defaults.</summary>
    public static ReferenceSeedingOptions Default { get; } = new();

    /// <summary>What is flushed before a downloaded tree goes live. Default: <see cref="Durability.File"/>.</summary>
    public Durability Durability { get; init; } = Durability.File;

    /// <summary>
    /// How each file is downloaded into the private staging tree, used as given. Its <see cref="TransferOptions.Durability"/>
    /// (default <see cref="Durability.None"/>) fsyncs each file as it lands; <see cref="Durability"/> above flushes the whole
    /// tree before it goes live, which is what makes a downloaded tree survive a power loss.
    /// </summary>
    public TransferOptions TransferOptions { get; init; } = TransferOptions.Default;

    /// <summary>Options of the per-key and per-artefact locks.</summary>
    public FileLockOptions LockOptions { get; init; } = FileLockOptions.Default;

    /// <summary>Where what was installed, kept and ignored is reported. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    internal void Validate()
    {
        if (!Enum.IsDefined(Durability))
        {
            throw new ArgumentOutOfRangeException(nameof(Durability), Durability, "Unknown durability.");
        }

        ArgumentNullException.ThrowIfNull(TransferOptions);
        ArgumentNullException.ThrowIfNull(LockOptions);
    }
}
