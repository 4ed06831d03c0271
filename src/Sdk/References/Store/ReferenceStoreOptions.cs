using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.IO;
using Stagecraft.Locking;

namespace Stagecraft.References;

/// <summary>Options for <see cref="ReferenceStore"/>.</summary>
public sealed record ReferenceStoreOptions
{
    /// <summary>The defaults.</summary>
    public static ReferenceStoreOptions Default { get; } = new();

    /// <summary>
    /// What a commit flushes before the new tree goes live. Default: <see cref="Durability.File"/> (every file and
    /// directory of the new tree is fsynced before the rename that makes its marker visible, so a power loss leaves the
    /// old reference or the new one, never a marker over unwritten data). A process crash is safe at any level.
    /// </summary>
    public Durability Durability { get; init; } = Durability.File;

    /// <summary>Options of the per-key lock (network file systems are refused by default).</summary>
    public FileLockOptions LockOptions { get; init; } = FileLockOptions.Default;

    /// <summary>Where build, reuse and repair messages go. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    internal void Validate()
    {
        if (!Enum.IsDefined(Durability))
        {
            throw new ArgumentOutOfRangeException(nameof(Durability), Durability, "Unknown durability.");
        }

        ArgumentNullException.ThrowIfNull(LockOptions);
    }
}
