namespace Stagecraft.Pipelines;

/// <summary>The state of a whole pipeline run, as recorded in its <see cref="PipelineRunRecord"/>.</summary>
public enum PipelineRunStatus
{
    /// <summary>In progress (or its process died before finishing: resume it with <see cref="PipelineRunner.ResumeAsync(PipelineGraph, string, CancellationToken)"/>).</summary>
    Running,

    /// <summary>Every stage succeeded or was served from the cache.</summary>
    Succeeded,

    /// <summary>At least one stage failed; <see cref="PipelineRunRecord.Reason"/> says which.</summary>
    Failed,

    /// <summary>The caller cancelled the run.</summary>
    Cancelled,
}
