using System.Collections.ObjectModel;
using System.Text.Json;

namespace Stagecraft.Runs;

/// <summary>
/// Identifies one launched run to the backend that launched it. Small, serialisable (<see cref="ToJson"/> /
/// <see cref="FromJson"/>), and validated on every construction — including when read back from text someone may have
/// edited — so a tampered handle cannot smuggle a path or key into a backend.
/// </summary>
/// <remarks>
/// A backend finds a run from its handle in O(1): <see cref="RunId"/> names the run's storage keys directly
/// (<see cref="RunPaths"/>) and <see cref="LaunchId"/> tells this launch apart from any other use of the id.
/// Backend-specific <see cref="Properties"/> (e.g. a zone) are checked here for shape only; the backend validates meaning.
/// </remarks>
public sealed class RunHandle : IEquatable<RunHandle>
{
    /// <summary>The most properties a handle may carry.</summary>
    public const int MaxProperties = 32;

    /// <summary>The longest property value.</summary>
    public const int MaxPropertyValueLength = 1024;

    /// <summary>The longest JSON text <see cref="FromJson"/> reads.</summary>
    public const int MaxJsonLength = 64 * 1024;

    private const int FormatVersion = 1;

    private static readonly IReadOnlyDictionary<string, string> NoProperties = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>());

    /// <param name="backend">The backend's name (<see cref="BackendCapabilities.Name"/>): a lower-case letter, then lower-case letters, digits and '-', at most 32.</param>
    /// <param name="runId">The run's id (see <see cref="Runs.RunId"/>).</param>
    /// <param name="launchId">Distinguishes this launch: 1–64 lower-case letters, digits and '-' (see <see cref="NewLaunchId"/>).</param>
    /// <param name="properties">Backend-specific facts about the launch.</param>
    /// <exception cref="ArgumentException">A value breaks a rule; the message names the field, the value and the rule.</exception>
    public RunHandle(string backend, string runId, string launchId, IReadOnlyDictionary<string, string>? properties = null)
    {
        var copy = properties is null || properties.Count == 0 ? null : new Dictionary<string, string>(properties, StringComparer.Ordinal);
        if (Check(backend, runId, launchId, copy) is { } problem)
        {
            throw new ArgumentException($"Invalid run handle: {problem.Field} '{InvalidRunSpecException.Escape(problem.Value)}' {problem.Rule}", problem.Field);
        }

        Backend = backend;
        RunId = runId;
        LaunchId = launchId;
        Properties = copy is null ? NoProperties : new ReadOnlyDictionary<string, string>(copy);
    }

    public string Backend { get; }

    public string RunId { get; }

    public string LaunchId { get; }

    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>The run's storage keys.</summary>
    public RunPaths Paths => new(RunId);

    /// <summary>A fresh launch id: 32 lower-case hex digits.</summary>
    public static string NewLaunchId() => Guid.NewGuid().ToString("N");

    /// <summary>Serialises the handle as a small JSON document.</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new RunHandleDocument(FormatVersion, Backend, RunId, LaunchId, Properties.Count == 0 ? null : new SortedDictionary<string, string>(Properties.ToDictionary(StringComparer.Ordinal), StringComparer.Ordinal)),
        RunsJsonContext.Default.RunHandleDocument);

    /// <summary>Reads a handle written by <see cref="ToJson"/>, validating every field.</summary>
    /// <exception cref="InvalidRunHandleException">The text is not a handle, or a field breaks a rule.</exception>
    public static RunHandle FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > MaxJsonLength)
        {
            throw new InvalidRunHandleException($"Invalid run handle: the text is {json.Length} characters long, more than {MaxJsonLength}.");
        }

        RunHandleDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(json, RunsJsonContext.Default.RunHandleDocument);
        }
        catch (JsonException ex)
        {
            throw new InvalidRunHandleException("Invalid run handle: the text is not a run-handle JSON document: " + ex.Message, ex);
        }

        if (doc is null)
        {
            throw new InvalidRunHandleException("Invalid run handle: the JSON document is null.");
        }

        if (doc.Version != FormatVersion)
        {
            throw new InvalidRunHandleException("version", doc.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), $"is not a supported format version (expected {FormatVersion})");
        }

        var properties = doc.Properties is null ? null : new Dictionary<string, string>(doc.Properties, StringComparer.Ordinal);
        if (Check(doc.Backend, doc.RunId, doc.LaunchId, properties) is { } problem)
        {
            throw new InvalidRunHandleException(problem.Field, problem.Value, problem.Rule);
        }

        return new RunHandle(doc.Backend!, doc.RunId!, doc.LaunchId!, properties);
    }

    public bool Equals(RunHandle? other) =>
        other is not null
        && Backend == other.Backend && RunId == other.RunId && LaunchId == other.LaunchId
        && Properties.Count == other.Properties.Count
        && Properties.All(p => other.Properties.TryGetValue(p.Key, out var v) && v == p.Value);

    public override bool Equals(object? obj) => Equals(obj as RunHandle);

    public override int GetHashCode() => HashCode.Combine(Backend, RunId, LaunchId);

    public override string ToString() => $"{Backend}:{RunId}@{LaunchId}";

    private static (string Field, string? Value, string Rule)? Check(string? backend, string? runId, string? launchId, Dictionary<string, string>? properties)
    {
        if (!IsToken(backend, 32) || backend![0] is not (>= 'a' and <= 'z'))
        {
            return ("backend", backend, "must be 1 to 32 lower-case letters, digits and '-', starting with a letter");
        }

        if (Runs.RunId.Explain(runId) is { } rule)
        {
            return ("runId", runId, "is not a valid run id: " + rule);
        }

        if (!IsToken(launchId, 64))
        {
            return ("launchId", launchId, "must be 1 to 64 lower-case letters, digits and '-'");
        }

        if (properties is null)
        {
            return null;
        }

        if (properties.Count > MaxProperties)
        {
            return ("properties", $"{properties.Count} entries", $"exceeds the limit of {MaxProperties}");
        }

        foreach (var (key, value) in properties)
        {
            if (key is null || key.Length is 0 or > 63 || key[0] is not (>= 'a' and <= 'z')
                || key.Any(c => c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-' or '.')))
            {
                return ("properties", key, "key must be 1 to 63 ASCII letters, digits, '_', '-' and '.', starting with a lower-case letter");
            }

            if (value is null || value.Length > MaxPropertyValueLength || value.Any(char.IsControl))
            {
                return ($"properties[{key}]", value, $"must be at most {MaxPropertyValueLength} characters without control characters");
            }
        }

        return null;
    }

    private static bool IsToken(string? s, int maxLength) =>
        s is not null && s.Length >= 1 && s.Length <= maxLength && s.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}
