namespace Stagecraft.Pipelines;

/// <summary>How one stage ended in a pipeline run.</summary>
public enum StageStatus
{
    /// <summary>Not started (yet).</summary>
    Pending,

    /// <summary>Ran and produced its output.</summary>
    Succeeded,

    /// <summary>Served from the cache (same code hash, version, inputs and parameters).</summary>
    Cached,

    /// <summary>Threw, or its remote run failed.</summary>
    Failed,

    /// <summary>Not run because an upstream stage failed or the run was cancelled.</summary>
    Skipped,

    /// <summary>Started, then stopped by the run's cancellation (the caller's token, or <c>FailFast</c> after another stage failed).</summary>
    Cancelled,
}
