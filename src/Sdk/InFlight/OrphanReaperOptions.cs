using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Stagecraft.InFlight;

/// <summary>Options for <see cref="OrphanReaper"/>.</summary>
public sealed record OrphanReaperOptions
{
    /// <summary>A tracked entry whose heartbeat is older than this belongs to a dead owner and is reaped.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a process tree gets to exit after SIGTERM before SIGKILL.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pids never to signal, in addition to the reaper itself and its ancestors (and pid 1).</summary>
    public IReadOnlyCollection<int> ProtectedProcessIds { get; init; } = [];

    /// <summary>The clock for staleness and the grace period between SIGTERM and SIGKILL.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where reaped and skipped processes go. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
