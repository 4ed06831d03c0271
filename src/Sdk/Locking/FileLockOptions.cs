using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Stagecraft.Locking;

/// <summary>Options for <see cref="FileLock"/>.</summary>
public sealed record FileLockOptions
{
    /// <summary>The defaults: refuse network file systems, system clock, no logging.</summary>
    public static FileLockOptions Default { get; } = new();

    /// <summary>What to do when the lock file is on a network file system. Default: <see cref="NetworkFileSystemPolicy.Refuse"/>.</summary>
    public NetworkFileSystemPolicy NetworkFileSystemPolicy { get; init; } = NetworkFileSystemPolicy.Refuse;

    /// <summary>Clock for <c>TryAcquire</c> timeouts. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the network-file-system warning and contention diagnostics go. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
