using System.Text.Json.Serialization;

namespace Stagecraft.InFlight;

/// <summary>
/// The process that owns an in-flight entry, with its identity: a reaper on the same host knows at once whether the
/// owner still lives (the same pid with the same start time and command line), whatever its heartbeat says, so a
/// long-running run of a live owner is never reaped and a dead owner's runs are reaped on the next pass.
/// </summary>
/// <param name="Host">The owner's host name.</param>
/// <param name="Process">The owner process as it was when it recorded the entry.</param>
public sealed record InFlightOwnerProcess(
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("process")] ProcessIdentity Process);
