using System.Text.Json.Serialization;

namespace Stagecraft.Runs;

/// <summary>The JSON shape of a <see cref="RunHandle"/>; everything in it is untrusted until <see cref="RunHandle.FromJson"/> validates it.</summary>
internal sealed record RunHandleDocument(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("backend")] string? Backend,
    [property: JsonPropertyName("runId")] string? RunId,
    [property: JsonPropertyName("launchId")] string? LaunchId,
    [property: JsonPropertyName("properties")] IDictionary<string, string>? Properties);
