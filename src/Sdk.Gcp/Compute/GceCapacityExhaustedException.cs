namespace Stagecraft.Gcp.Compute;

/// <summary>Every configured zone was out of capacity for the machine shape (<c>ZONE_RESOURCE_POOL_EXHAUSTED</c> and relatives).</summary>
public sealed class GceCapacityExhaustedException : ComputeEngineException
{
    public GceCapacityExhaustedException()
    {
    }

    public GceCapacityExhaustedException(string message)
        : base(message)
    {
    }

    public GceCapacityExhaustedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public GceCapacityExhaustedException(string message, IReadOnlyList<string> zones)
        : base(message, "ZONE_RESOURCE_POOL_EXHAUSTED", 503) => Zones = zones;

    /// <summary>The zones tried, in order.</summary>
    public IReadOnlyList<string> Zones { get; } = [];
}
