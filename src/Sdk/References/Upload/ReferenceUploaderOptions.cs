using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.Locking;
using Stagecraft.Storage.Transfers;

namespace Stagecraft.References;

/// <summary>Options for <see cref="ReferenceUploader"/>.</summary>
public sealed record ReferenceUploaderOptions
{
    /// <summary>The defaults.</summary>
    public static ReferenceUploaderOptions Default { get; } = new();

    /// <summary>This worker's shard; default <see cref="ReferenceShard.ForCurrentProcess"/> (<c>&lt;host&gt;-&lt;pid&gt;</c>).</summary>
    public string? Shard { get; init; }

    /// <summary>Parallelism and change detection of the content upload.</summary>
    public TransferOptions TransferOptions { get; init; } = TransferOptions.Default;

    /// <summary>Options of the per-key lock held while a key's tree is read and uploaded.</summary>
    public FileLockOptions LockOptions { get; init; } = FileLockOptions.Default;

    /// <summary>Clock for the upload record. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where uploads and (as warnings) failures go; failures are never thrown into the caller. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
