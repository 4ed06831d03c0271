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

    /// <summary>
    /// The run backends whose orphaned runs this reaper stops (matched by <see cref="Runs.BackendCapabilities.Name"/>).
    /// An entry for a backend not listed here is kept for a reaper that has it.
    /// </summary>
    public IReadOnlyCollection<Runs.IRunBackend> Backends { get; init; } = [];

    /// <summary>This host's name: an owner process recorded on it is checked directly. Default: <see cref="Environment.MachineName"/>.</summary>
    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>The clock for staleness and the grace period between SIGTERM and SIGKILL.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where reaped and skipped processes go. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
