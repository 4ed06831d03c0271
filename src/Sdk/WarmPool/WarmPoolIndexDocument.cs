using System.Text.Json.Serialization;

namespace Stagecraft.WarmPool;

/// <summary>A profile's index (<see cref="WarmPoolPaths.Index"/>): the ids of its instances, at most the profile's cap.</summary>
internal sealed record WarmPoolIndexDocument
{
    [JsonPropertyName("v")]
    public int Version { get; init; } = 1;

    [JsonPropertyName("instances")]
    public required IReadOnlyList<string> Instances { get; init; }
}
