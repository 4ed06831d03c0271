using Microsoft.Extensions.Logging;

namespace Stagecraft.Registry;

/// <summary>Log messages of the registry and <see cref="AliasGuard"/> (source-generated, allocation-free when disabled).</summary>
internal static partial class RegistryLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Registered model of run {RunId} ({ArtifactUri})")]
    public static partial void ModelRegistered(ILogger logger, string runId, string artifactUri);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Moved alias {Alias} from {FromRunId} to {ToRunId} (move {Sequence}, generation {Generation}): {Reason}")]
    public static partial void AliasMoved(ILogger logger, string alias, string? fromRunId, string? toRunId, long sequence, long generation, string reason);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Alias {Alias} moved to generation {Generation}, but writing history entry {Sequence} failed; the next reader or mover writes it from the pointer")]
    public static partial void HistoryWriteDeferred(ILogger logger, Exception exception, string alias, long generation, long sequence);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Promotion decision {DecisionId} on alias {Alias}: promoted={Promoted}; {Explanation}")]
    public static partial void PromotionDecided(ILogger logger, string decisionId, string alias, bool promoted, string explanation);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Warning, Message = "Pipeline failed; restoring alias {Alias} to {RunId} (it was moved {MoveCount} time(s) within the guard)")]
    public static partial void RestoringAlias(ILogger logger, string alias, string? runId, int moveCount);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Information, Message = "Restored alias {Alias} to {RunId} (generation {Generation})")]
    public static partial void AliasRestored(ILogger logger, string alias, string? runId, long generation);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Warning, Message = "Did not restore alias {Alias}: someone else moved it after this pipeline (expected generation {ExpectedGeneration}, now {ActualGeneration}, run {ActualRunId}); their move wins")]
    public static partial void RestoreSkippedMovedByOthers(ILogger logger, string alias, long expectedGeneration, long? actualGeneration, string? actualRunId);

    [LoggerMessage(EventId = 7013, Level = LogLevel.Error, Message = "Failed to restore alias {Alias} to {RunId}; it still points where the failed pipeline left it. The pipeline's own failure is reported separately")]
    public static partial void RestoreFailed(ILogger logger, Exception exception, string alias, string? runId);
}
