using System.Text.Json.Serialization;

namespace Stagecraft.InFlight;

/// <summary>The registry: one JSON document listing everything in flight on this machine, always replaced as a whole.</summary>
public sealed record InFlightRegistryDocument(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("entries")] IReadOnlyList<InFlightEntry> Entries)
{
    public const int CurrentVersion = 1;

    /// <summary>An empty registry.</summary>
    public static InFlightRegistryDocument Empty { get; } = new(CurrentVersion, []);

    /// <summary>The entry with this key, or null.</summary>
    public InFlightEntry? Find(InFlightKey key) => Entries.FirstOrDefault(e => e.Key == key);
}
