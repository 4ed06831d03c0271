namespace Stagecraft.WarmPool;

/// <summary>What a reaper pass or an emergency cleanup did, in order.</summary>
public sealed record WarmPoolReport(IReadOnlyList<WarmPoolAction> Actions)
{
    /// <summary>The instances whose machines were deleted.</summary>
    public IEnumerable<string> DeletedMachines => Actions.Where(a => a.Kind == WarmPoolActionKind.DeletedMachine).Select(a => a.InstanceId);

    /// <summary>The instances whose documents were removed.</summary>
    public IEnumerable<string> RemovedDocuments => Actions.Where(a => a.Kind == WarmPoolActionKind.RemovedDocument).Select(a => a.InstanceId);

    /// <summary>Actions that failed (a later pass retries them).</summary>
    public IEnumerable<WarmPoolAction> Failures => Actions.Where(a => a.Kind == WarmPoolActionKind.Failed);
}
