using Microsoft.Extensions.Logging;

namespace Stagecraft.Pipelines;

/// <summary>The prune's log messages (source-generated).</summary>
internal static partial class PruneLog
{
    [LoggerMessage(101, LogLevel.Information, "Prune started: {RunCount} pipeline runs in the store, {RemoveCount} to remove")]
    public static partial void Started(ILogger logger, int runCount, int removeCount);

    [LoggerMessage(102, LogLevel.Information, "Removed pipeline run {RunId} ({Pipeline})")]
    public static partial void RunRemoved(ILogger logger, string runId, string pipeline);

    [LoggerMessage(103, LogLevel.Warning, "Pipeline run {RunId} changed while it was being removed (resumed?); it is kept")]
    public static partial void RunChanged(ILogger logger, string runId);

    [LoggerMessage(104, LogLevel.Warning, "{Key} is unreadable, so its references are unknown; no content is removed by this prune")]
    public static partial void UnreadableDocument(ILogger logger, string key, Exception exception);

    [LoggerMessage(105, LogLevel.Information, "Prune finished: {Runs} runs, {CacheEntries} cache entries and {Objects} content objects ({Bytes} bytes) removed; {Young} unreferenced objects kept as younger than the grace period")]
    public static partial void Finished(ILogger logger, int runs, int cacheEntries, int objects, long bytes, int young);

    [LoggerMessage(106, LogLevel.Warning, "A prune removed content that pipeline run {RunId} references while it ran; {Count} stored values were stored again")]
    public static partial void ReferencesRestored(ILogger logger, string runId, int count);

    [LoggerMessage(107, LogLevel.Information, "Pipeline run {RunId} is recorded Running but its owner {OwnerId} on host '{Host}' is gone (last seen {LastSeen:O}); it is pruned as abandoned")]
    public static partial void RunAbandoned(ILogger logger, string runId, string ownerId, string host, DateTimeOffset lastSeen);
}
