using System.Text.Json.Serialization;

namespace Stagecraft.WarmPool;

/// <summary>
/// The stored document of one pool instance (<see cref="WarmPoolPaths.Instance"/>). Flat, with token-only values, so a
/// VM's startup script can read it with <c>sed</c> and rewrite it with <c>printf</c> (it has no JSON tool).
/// </summary>
internal sealed record WarmInstanceDocument
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    [JsonPropertyName("instanceId")]
    public required string InstanceId { get; init; }

    [JsonPropertyName("profile")]
    public required string Profile { get; init; }

    [JsonPropertyName("backend")]
    public required string Backend { get; init; }

    [JsonPropertyName("state")]
    public required WarmInstanceState State { get; init; }

    /// <summary>The run the instance is running or was claimed for (the last one it ran while idle).</summary>
    [JsonPropertyName("runId")]
    public string? RunId { get; init; }

    /// <summary>The claim being ACKed or run; a release only succeeds while this is still the launcher's claim.</summary>
    [JsonPropertyName("claimId")]
    public string? ClaimId { get; init; }

    /// <summary>Where the machine is (a zone; a host name locally).</summary>
    [JsonPropertyName("location")]
    public string? Location { get; init; }

    [JsonPropertyName("launchedAt")]
    public required DateTimeOffset LaunchedAt { get; init; }

    [JsonPropertyName("stateSince")]
    public required DateTimeOffset StateSince { get; init; }

    /// <summary>How many jobs the instance has finished.</summary>
    [JsonPropertyName("jobs")]
    public int Jobs { get; init; }
}
