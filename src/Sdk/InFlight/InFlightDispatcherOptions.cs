using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Stagecraft.InFlight;

/// <summary>Options for <see cref="InFlightDispatcher"/>.</summary>
public sealed record InFlightDispatcherOptions
{
    /// <summary>This dispatcher's owner id in the registry (e.g. host name, pid and a random suffix). Required.</summary>
    public required string OwnerId { get; init; }

    /// <summary>This host's name, recorded with the owner process of backend-run entries. Default: <see cref="Environment.MachineName"/>.</summary>
    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>Pids never to record (and so never to be reaped), in addition to this process and its ancestors.</summary>
    public IReadOnlyCollection<int> ProtectedProcessIds { get; init; } = [];

    /// <summary>The clock for heartbeats.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where recorded and handed-off entries go. Default: nowhere.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
