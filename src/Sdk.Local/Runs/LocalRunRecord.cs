using System.Text.Json.Serialization;

namespace Stagecraft.Local.Runs;

/// <summary>
/// The run record (<c>RunPaths.RunRecord</c>), written with a must-not-exist precondition at launch: it claims the run id
/// (ids are never reused) and lets any later backend instance find the launch in O(1). Environment values are not kept
/// (they may be secrets), only their names.
/// </summary>
internal sealed record LocalRunRecord(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("backend")] string Backend,
    [property: JsonPropertyName("runId")] string RunId,
    [property: JsonPropertyName("launchId")] string LaunchId,
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("runDirectory")] string RunDirectory,
    [property: JsonPropertyName("launchedAt")] DateTimeOffset LaunchedAt,
    [property: JsonPropertyName("command")] string Command,
    [property: JsonPropertyName("arguments")] IReadOnlyList<string> Arguments,
    [property: JsonPropertyName("environmentNames")] IReadOnlyList<string> EnvironmentNames,
    [property: JsonPropertyName("workingDirectory")] string WorkingDirectory,
    [property: JsonPropertyName("timeoutSeconds")] double? TimeoutSeconds,
    [property: JsonPropertyName("resourceProfile")] string ResourceProfile,
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, string> Labels,
    [property: JsonPropertyName("inputPrefix")] string? InputPrefix,
    [property: JsonPropertyName("outputPrefix")] string OutputPrefix)
{
    public const int CurrentVersion = 1;
}
