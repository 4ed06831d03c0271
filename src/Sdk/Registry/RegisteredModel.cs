using Stagecraft.Artifacts;

namespace Stagecraft.Registry;

/// <summary>An immutable model record, as stored in the registry.</summary>
public sealed class RegisteredModel
{
    internal RegisteredModel(
        string runId,
        string stage,
        ArtifactUri artifactUri,
        string artifactSha256,
        long artifactSize,
        IReadOnlyDictionary<string, double> metrics,
        IReadOnlyDictionary<string, string> tags,
        DateTimeOffset registeredAt,
        string registeredBy,
        long generation)
    {
        RunId = runId;
        Stage = stage;
        ArtifactUri = artifactUri;
        ArtifactSha256 = artifactSha256;
        ArtifactSize = artifactSize;
        Metrics = metrics;
        Tags = tags;
        RegisteredAt = registeredAt;
        RegisteredBy = registeredBy;
        Generation = generation;
    }

    public string RunId { get; }

    public string Stage { get; }

    public ArtifactUri ArtifactUri { get; }

    public string ArtifactSha256 { get; }

    public long ArtifactSize { get; }

    public IReadOnlyDictionary<string, double> Metrics { get; }

    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>When the record was written (from the registry's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset RegisteredAt { get; }

    /// <summary>Who wrote it (<see cref="ModelRegistryOptions.Actor"/>).</summary>
    public string RegisteredBy { get; }

    /// <summary>The storage generation of the record object.</summary>
    public long Generation { get; }

    /// <summary>The value of a metric; <see cref="MetricNotFoundException"/> when the model has none of that name.</summary>
    public double GetMetric(string name) =>
        Metrics.TryGetValue(name, out var value) ? value : throw new MetricNotFoundException(RunId, name, Metrics.Keys.Order(StringComparer.Ordinal));

    public override string ToString() => $"model of run '{RunId}' ({ArtifactUri})";
}
