using System.Text.Json.Serialization;

namespace Stagecraft.InFlight;

/// <summary>The registry: one JSON document listing everything in flight on this machine, always replaced as a whole.</summary>
public sealed record InFlightRegistryDocument(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("entries")] IReadOnlyList<InFlightEntry> Entries)
{
    /// <summary>
    /// The version written. 2 added backend runs and owner processes to entries; a reader that knew only version 1
    /// would take a backend-run entry for one with nothing left alive and drop it, so the version says it must not read it.
    /// </summary>
    public const int CurrentVersion = 2;

    /// <summary>The oldest version still read (its entries read as process entries without owner process).</summary>
    public const int OldestReadableVersion = 1;

    /// <summary>An empty registry.</summary>
    public static InFlightRegistryDocument Empty { get; } = new(CurrentVersion, []);

    /// <summary>The entry with this key, or null.</summary>
    public InFlightEntry? Find(InFlightKey key) => Entries.FirstOrDefault(e => e.Key == key);
}
