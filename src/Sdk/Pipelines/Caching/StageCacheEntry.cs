namespace Stagecraft.Pipelines;

/// <summary>A completed, reusable stage output: the cache's completion marker.</summary>
internal sealed record StageCacheEntry
{
    /// <summary>The record layout version.</summary>
    public int SchemaVersion { get; init; } = 1;

    public required string Pipeline { get; init; }

    public required string Stage { get; init; }

    /// <summary>The fingerprint of (code hash, version, input fingerprints, parameter values) this output answers.</summary>
    public required string Fingerprint { get; init; }

    public required string CodeHash { get; init; }

    public string? Version { get; init; }

    /// <summary>The run that computed the output (its objects live under that run's outputs).</summary>
    public required string RunId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required StoredValue Output { get; init; }
}
