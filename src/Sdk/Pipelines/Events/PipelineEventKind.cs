namespace Stagecraft.Pipelines;

/// <summary>What a <see cref="PipelineEvent"/> reports.</summary>
public enum PipelineEventKind
{
    /// <summary>The run began (inputs stored, record written).</summary>
    RunStarted,

    /// <summary>A stage began executing (not raised for cached stages).</summary>
    StageStarted,

    /// <summary>A running stage reported progress through <see cref="StageContext.Progress"/>.</summary>
    StageProgress,

    /// <summary>A stage finished and its output is stored.</summary>
    StageSucceeded,

    /// <summary>A stage's output was served from the cache (or from an earlier attempt of the same run).</summary>
    StageCached,

    /// <summary>A stage threw or its output could not be stored.</summary>
    StageFailed,

    /// <summary>A running stage was stopped by cancellation.</summary>
    StageCancelled,

    /// <summary>A stage will not run (an upstream failure, FailFast, or cancellation).</summary>
    StageSkipped,

    /// <summary>The run ended; <see cref="PipelineEvent.RunStatus"/> says how.</summary>
    RunFinished,
}
