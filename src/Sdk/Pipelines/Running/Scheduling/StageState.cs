namespace Stagecraft.Pipelines;

/// <summary>Scheduling state of one stage in a run; touched only by the <see cref="StageScheduler"/>'s loop.</summary>
internal sealed class StageState
{
    public StageStatus Status { get; set; } = StageStatus.Pending;

    /// <summary>Handed to an executor (it may still be running).</summary>
    public bool Started { get; set; }

    /// <summary>Upstream stages not yet finished.</summary>
    public int Remaining { get; set; }

    /// <summary>The output value, once the stage succeeded or was cached.</summary>
    public object? Output { get; set; }

    /// <summary>The stored output, once the stage succeeded or was cached.</summary>
    public StoredValue? Stored { get; set; }

    public StageRunResult? Result { get; set; }
}
