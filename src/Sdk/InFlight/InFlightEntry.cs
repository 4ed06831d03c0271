using System.Text.Json.Serialization;

namespace Stagecraft.InFlight;

/// <summary>One run or agent in flight: who owns it, when the owner last proved it was alive, and its processes or backend run.</summary>
/// <param name="Name">The run or agent name.</param>
/// <param name="OwnerId">The dispatcher that spawned the processes.</param>
/// <param name="Heartbeat">When the owner last proved it was alive.</param>
/// <param name="State">Tracked by its owner, or handed off to the reaper.</param>
/// <param name="Processes">The spawned processes, with identity. Protected processes are never listed.</param>
/// <param name="CommandLineMarker">
/// Optional text that appears in the command line of every process of this entry (e.g. a run id plus launch id); the
/// reaper also kills live processes carrying it, which finds processes whose pid was never learned.
/// </param>
/// <param name="BackendRun">The backend run this entry stands for, which the reaper stops with <see cref="Runs.IRunBackend.TerminateAsync"/>; null for process entries.</param>
/// <param name="OwnerProcess">The owner process with its identity (see <see cref="InFlightOwnerProcess"/>); null when only the heartbeat tells whether the owner lives.</param>
public sealed record InFlightEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("owner")] string OwnerId,
    [property: JsonPropertyName("heartbeat")] DateTimeOffset Heartbeat,
    [property: JsonPropertyName("state")] InFlightEntryState State,
    [property: JsonPropertyName("processes")] IReadOnlyList<ProcessIdentity> Processes,
    [property: JsonPropertyName("marker")] string? CommandLineMarker = null,
    [property: JsonPropertyName("backendRun")] InFlightBackendRun? BackendRun = null,
    [property: JsonPropertyName("ownerProcess")] InFlightOwnerProcess? OwnerProcess = null)
{
    /// <summary>The registry key of this entry.</summary>
    [JsonIgnore]
    public InFlightKey Key => new(OwnerId, Name, State);
}
