namespace Stagecraft.Pipelines;

/// <summary>A pipeline or stage named by the caller does not exist; <see cref="ValidNames"/> lists the names that do.</summary>
public sealed class PipelineStageNotFoundException : PipelineException
{
    public PipelineStageNotFoundException()
    {
    }

    public PipelineStageNotFoundException(string message)
        : base(message)
    {
    }

    public PipelineStageNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="pipeline">The pipeline named.</param>
    /// <param name="stage">The stage named; null when the pipeline itself is unknown.</param>
    /// <param name="validNames">The stages of the pipeline (or the known pipelines, when the pipeline is unknown).</param>
    /// <param name="where">Where the names were looked up, as a clause ("in storage's stage cache"); null for the pipeline's graph.</param>
    public PipelineStageNotFoundException(string pipeline, string? stage, IReadOnlyList<string> validNames, string? where)
        : base(Describe(pipeline, stage, validNames, where))
    {
        Pipeline = pipeline;
        Stage = stage;
        ValidNames = validNames;
    }

    public string? Pipeline { get; }

    /// <summary>The unknown stage; null when the pipeline itself is unknown.</summary>
    public string? Stage { get; }

    /// <summary>The names that exist: stages of <see cref="Pipeline"/>, or pipelines when it is unknown.</summary>
    public IReadOnlyList<string> ValidNames { get; } = [];

    private static string Describe(string pipeline, string? stage, IReadOnlyList<string> validNames, string? where)
    {
        var names = validNames is null || validNames.Count == 0 ? "none" : string.Join(", ", validNames);
        var suffix = where is null ? "" : " " + where;
        return stage is null
            ? $"There is no pipeline '{pipeline}'{suffix} (pipelines: {names})."
            : $"Pipeline '{pipeline}' has no stage '{stage}'{suffix} (stages: {names}).";
    }
}
