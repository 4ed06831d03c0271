using System.Text.Json.Serialization;

namespace Stagecraft.InFlight;

/// <summary>
/// A run on a run backend (a worker process, a VM) that an in-flight entry stands for. It is recorded before the launch,
/// with only the backend's name and the run id; the handle is added once the launch returned it.
/// </summary>
/// <param name="Backend">The backend's name (<see cref="Runs.BackendCapabilities.Name"/>).</param>
/// <param name="RunId">The run id the launch was asked for.</param>
/// <param name="Handle">
/// The launch's handle as JSON (<see cref="Runs.RunHandle.ToJson"/>), or null when the owner died before the launch
/// returned it: the reaper then asks the backend to find the run by its id (<see cref="Runs.IRunBackend.FindRunAsync"/>).
/// </param>
public sealed record InFlightBackendRun(
    [property: JsonPropertyName("backend")] string Backend,
    [property: JsonPropertyName("runId")] string RunId,
    [property: JsonPropertyName("handle")] string? Handle = null);
