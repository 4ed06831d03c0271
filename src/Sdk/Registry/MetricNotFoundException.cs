namespace Stagecraft.Registry;

/// <summary>A model record has no metric of the requested name.</summary>
public sealed class MetricNotFoundException : RegistryException
{
    public MetricNotFoundException()
    {
    }

    public MetricNotFoundException(string message)
        : base(message)
    {
    }

    public MetricNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public MetricNotFoundException(string runId, string metric, IEnumerable<string> available)
        : base($"The model of run '{runId}' has no metric '{metric}' (it has: {string.Join(", ", available ?? [])}).")
    {
        RunId = runId;
        Metric = metric;
    }

    public string? RunId { get; }

    public string? Metric { get; }
}
