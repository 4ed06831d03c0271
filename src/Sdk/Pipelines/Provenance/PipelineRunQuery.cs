namespace Stagecraft.Pipelines;

/// <summary>Which pipeline runs <see cref="PipelineRunCatalog.ListAsync"/> returns; every filter is optional.</summary>
public sealed record PipelineRunQuery
{
    /// <summary>Only runs of this pipeline (its generated name, e.g. <c>Admissions</c>; compared exactly).</summary>
    public string? Pipeline { get; init; }

    /// <summary>Only runs whose recorded status is this.</summary>
    public PipelineRunStatus? Status { get; init; }

    /// <summary>Only runs started at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }
}
