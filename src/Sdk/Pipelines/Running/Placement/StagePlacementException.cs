namespace Stagecraft.Pipelines;

/// <summary>
/// A stage names a profile (<see cref="StageAttribute.Profile"/>) that the runner's <see cref="PipelineRunnerOptions.Placement"/>
/// does not map to a run backend. Raised before any stage, run or VM starts.
/// </summary>
public sealed class StagePlacementException : PipelineException
{
    public StagePlacementException()
    {
    }

    public StagePlacementException(string message)
        : base(message)
    {
    }

    public StagePlacementException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public StagePlacementException(string pipeline, string stage, string profile, IReadOnlyList<string> knownProfiles)
        : base($"Stage '{stage}' of pipeline '{pipeline}' asks for profile '{profile}', which PipelineRunnerOptions.Placement does not map to a run backend (known profiles: {(knownProfiles.Count == 0 ? "none" : string.Join(", ", knownProfiles))}).")
    {
        Pipeline = pipeline;
        Stage = stage;
        Profile = profile;
        KnownProfiles = knownProfiles;
    }

    public string? Pipeline { get; }

    public string? Stage { get; }

    public string? Profile { get; }

    public IReadOnlyList<string> KnownProfiles { get; } = [];
}
