namespace Stagecraft.Locking;

/// <summary>
/// In-process state of one lock file: an async gate so that tasks of this process queue without a
/// thread each, and at most one parked kernel wait left behind by a cancelled or timed-out acquirer.
/// </summary>
internal sealed class LockKey(string path)
{
    public string Path { get; } = path;

    /// <summary>Only the gate holder touches the kernel lock for this path.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Acquirers and holders in this process; guarded by <see cref="LockKeyRegistry.Sync"/>.</summary>
    public int Users { get; set; }

    /// <summary>A still-blocked kernel wait whose caller gave up; guarded by <see cref="LockKeyRegistry.Sync"/>.</summary>
    public KernelLockWait? Parked { get; set; }
}
