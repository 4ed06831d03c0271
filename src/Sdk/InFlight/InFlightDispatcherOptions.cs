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
}
