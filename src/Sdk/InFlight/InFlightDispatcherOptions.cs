namespace Stagecraft.InFlight;

/// <summary>Options for <see cref="InFlightDispatcher"/>.</summary>
public sealed record InFlightDispatcherOptions
{
    /// <summary>This dispatcher's owner id in the registry (e.g. host name, pid and a random suffix). Required.</summary>
    public required string OwnerId { get; init; }

    /// <summary>Pids never to record (and so never to be reaped), in addition to this process and its ancestors.</summary>
    public IReadOnlyCollection<int> ProtectedProcessIds { get; init; } = [];
}
