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

    /// <summary>
    /// A stage that runs on a backend was placed: <see cref="PipelineEvent.Backend"/> and <see cref="PipelineEvent.Profile"/>
    /// say where, <see cref="PipelineEvent.Attempt"/> which attempt (raised again for every retry).
    /// </summary>
    StagePlaced,

    /// <summary>The stage's backend run is being launched and its machine or process prepared (<see cref="PipelineEvent.BackendRunId"/>).</summary>
    StageStarting,

    /// <summary>The backend reports the stage's command running.</summary>
    StageRunning,

    /// <summary>
    /// An attempt of a stage ended without its output and the stage runs again on a new backend run:
    /// <see cref="PipelineEvent.Reason"/> says why the attempt ended (preempted, machine lost, or its exit code when the
    /// stage's <see cref="StageAttribute.Retries"/> allows retrying failures).
    /// </summary>
    StageRetrying,
}
