using Stagecraft.Artifacts;

namespace Stagecraft.Registry;

/// <summary>What a pipeline registers for a run's model. Validated by <see cref="ModelRegistry.RegisterAsync"/>.</summary>
public sealed record ModelRegistration
{
    /// <summary>The run that trained the model.</summary>
    public required string RunId { get; init; }

    /// <summary>The stage that produced the artefact.</summary>
    public required string Stage { get; init; }

    /// <summary>Where the artefact is; its <see cref="ArtifactUri.RunId"/> must be <see cref="RunId"/>.</summary>
    public required ArtifactUri ArtifactUri { get; init; }

    /// <summary>SHA-256 of the artefact, 64 lower-case hex digits.</summary>
    public required string ArtifactSha256 { get; init; }

    /// <summary>Size of the artefact in bytes.</summary>
    public required long ArtifactSize { get; init; }

    /// <summary>Evaluation metrics by name (finite values).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Free-form labels.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}
