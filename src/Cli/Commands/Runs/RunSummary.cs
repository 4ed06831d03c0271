using Stagecraft.Pipelines;

namespace Stagecraft.Cli.Commands.Runs;

/// <summary>One line of <c>runs list</c> (and its JSON object).</summary>
internal sealed record RunSummary(
    string RunId,
    string Pipeline,
    PipelineRunStatus Status,
    int Attempt,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    TimeSpan? Duration,
    int StagesRan,
    int StagesCached,
    int StagesFailed,
    int StagesSkipped,
    string? Reason)
{
    public static RunSummary Of(PipelineRunRecord record) => new(
        record.RunId,
        record.Pipeline,
        record.Status,
        record.Attempt,
        record.StartedAt,
        record.FinishedAt,
        record.FinishedAt - record.StartedAt,
        record.Stages.Count(s => s.Status == StageStatus.Succeeded),
        record.Stages.Count(s => s.Status == StageStatus.Cached),
        record.Stages.Count(s => s.Status == StageStatus.Failed),
        record.Stages.Count(s => s.Status == StageStatus.Skipped),
        record.Reason);
}
