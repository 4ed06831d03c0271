namespace Stagecraft.Registry.Documents;

/// <summary>Storage form of a <see cref="RegisteredModel"/> (<c>models/{runId}.json</c>).</summary>
internal sealed class ModelDocument
{
    public int Schema { get; set; } = 1;

    public string RunId { get; set; } = "";

    public string Stage { get; set; } = "";

    public string ArtifactUri { get; set; } = "";

    public string ArtifactSha256 { get; set; } = "";

    public long ArtifactSize { get; set; }

    public SortedDictionary<string, double> Metrics { get; set; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);

    public DateTimeOffset RegisteredAt { get; set; }

    public string RegisteredBy { get; set; } = "";
}
