using System.Text.Json;
using Stagecraft.Gcp.Pipelines;

namespace QuickStart;

/// <summary>
/// Cloud mode's settings: the <see cref="GcpEnvironmentVariables"/> (<c>STAGECRAFT_GCP_PROJECT</c>,
/// <c>STAGECRAFT_GCP_ZONES</c>, <c>STAGECRAFT_GCP_BUCKET</c>), or else a JSON file (default <c>gcp.json</c> in the
/// working directory; see <c>gcp.example.json</c>) with <c>project</c>, <c>zones</c> and <c>bucket</c>. On a VM the
/// Compute Engine backend sets the variables itself, so the worker finds the same bucket without the file.
/// </summary>
internal static class CloudSettings
{
    public const string DefaultFile = "gcp.json";

    /// <summary>The options, or null when neither the variables nor the file say where to run.</summary>
    /// <exception cref="JsonException">The file is not a JSON object.</exception>
    public static GcpPipelineOptions? Load(string file)
    {
        if (GcpPipelineOptions.FromEnvironment() is { } fromEnvironment)
        {
            return fromEnvironment;
        }

        if (!File.Exists(file))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(file));
        var root = document.RootElement;
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [GcpEnvironmentVariables.Project] = root.TryGetProperty("project", out var project) ? project.GetString() : null,
            [GcpEnvironmentVariables.Bucket] = root.TryGetProperty("bucket", out var bucket) ? bucket.GetString() : null,
            [GcpEnvironmentVariables.Zones] = root.TryGetProperty("zones", out var zones) ? string.Join(',', zones.EnumerateArray().Select(z => z.GetString())) : null,
        };
        return GcpPipelineOptions.FromEnvironment(name => values.GetValueOrDefault(name));
    }
}
