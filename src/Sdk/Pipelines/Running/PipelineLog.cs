using Microsoft.Extensions.Logging;

namespace Stagecraft.Pipelines;

/// <summary>The runtime's log messages (source-generated, allocation-free when disabled).</summary>
internal static partial class PipelineLog
{
    [LoggerMessage(1, LogLevel.Information, "Pipeline {Pipeline} run {RunId} started (attempt {Attempt}, {StageCount} stages)")]
    public static partial void RunStarted(ILogger logger, string pipeline, string runId, int attempt, int stageCount);

    [LoggerMessage(2, LogLevel.Information, "Pipeline {Pipeline} run {RunId} finished: {Status} in {Elapsed}")]
    public static partial void RunFinished(ILogger logger, string pipeline, string runId, PipelineRunStatus status, TimeSpan elapsed);

    [LoggerMessage(3, LogLevel.Debug, "Stage {Stage} served from run {SourceRunId} (fingerprint {Fingerprint})")]
    public static partial void StageCached(ILogger logger, string stage, string sourceRunId, string fingerprint);

    [LoggerMessage(4, LogLevel.Error, "Stage {Stage} failed: {Reason}")]
    public static partial void StageFailed(ILogger logger, string stage, string reason, Exception? exception);

    [LoggerMessage(5, LogLevel.Warning, "Stage {Stage} skipped: {Reason}")]
    public static partial void StageSkipped(ILogger logger, string stage, string reason);

    [LoggerMessage(6, LogLevel.Warning, "Stored output of stage {Stage} from run {SourceRunId} is no longer intact or readable; recomputing")]
    public static partial void StoredOutputUnusable(ILogger logger, string stage, string sourceRunId, Exception? exception);

    [LoggerMessage(7, LogLevel.Warning, "Cache entry {Key} is unreadable and is ignored")]
    public static partial void UnreadableCacheEntry(ILogger logger, string key, Exception exception);

    [LoggerMessage(8, LogLevel.Information, "Invalidated {Count} cache entries of stage {Stage} in pipeline {Pipeline}")]
    public static partial void CacheInvalidated(ILogger logger, string pipeline, string stage, int count);

    [LoggerMessage(9, LogLevel.Warning, "Writing the pipeline run record failed; the next write retries")]
    public static partial void RecordWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(10, LogLevel.Warning, "A pipeline progress handler threw; the run continues")]
    public static partial void ProgressHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(11, LogLevel.Debug, "Stage {Stage} started")]
    public static partial void StageStarted(ILogger logger, string stage);

    [LoggerMessage(40, LogLevel.Information, "[{Stage}] {Line}")]
    public static partial void WorkerStdout(ILogger logger, string stage, string line);

    [LoggerMessage(41, LogLevel.Warning, "[{Stage}] {Line}")]
    public static partial void WorkerStderr(ILogger logger, string stage, string line);

    [LoggerMessage(42, LogLevel.Warning, "Could not follow the logs of stage {Stage} (backend run {BackendRunId}); its result is read all the same")]
    public static partial void WorkerLogsUnavailable(ILogger logger, string stage, string backendRunId, Exception exception);

    [LoggerMessage(EventId = 47, Message = "[{Stage}] {Message}")]
    public static partial void WorkerLog(ILogger logger, LogLevel level, string stage, string message);

    [LoggerMessage(43, LogLevel.Information, "[{Stage}] progress {Progress:0.###}")]
    public static partial void WorkerProgress(ILogger logger, string stage, double progress);

    [LoggerMessage(44, LogLevel.Warning, "Stage {Stage} attempt {Attempt} (backend run {BackendRunId}) ended without its output and is retried on a new backend run: {Reason}")]
    public static partial void StageRetrying(ILogger logger, string stage, int attempt, string backendRunId, string reason);

    [LoggerMessage(45, LogLevel.Warning, "Reaping orphaned backend runs at runner start failed; runs of dead coordinators may still be running")]
    public static partial void ReapAtStartFailed(ILogger logger, Exception exception);

    [LoggerMessage(46, LogLevel.Warning, "Stopped {Count} backend run(s) left by coordinators that are gone: {RunIds}")]
    public static partial void ReapedAtStart(ILogger logger, int count, string runIds);
}
