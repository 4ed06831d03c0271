using System.Runtime.InteropServices;

namespace Stagecraft.Locking;

/// <summary>
/// One blocking kernel lock request (<c>flock(LOCK_EX)</c> / <c>LockFileEx</c>) running on a dedicated
/// thread from <see cref="KernelWaitThreads"/>, so the waiter wakes at kernel speed when the holder releases.
/// </summary>
/// <remarks>
/// A thread blocked in <c>flock</c> cannot be interrupted portably: closing the descriptor does not wake
/// it, and a signal would need a native handler installed without <c>SA_RESTART</c> (the .NET runtime's
/// own signals restart <c>flock</c>). So cancellation and timeouts abandon the <em>caller's</em> wait at
/// once and <em>park</em> the kernel wait on its <see cref="LockKey"/>: the next acquirer of the same key in
/// this process adopts it instead of starting another one (at most one parked wait per key), and if the
/// kernel grants the lock while nobody wants it, the thread releases it immediately and exits. The cost
/// of a cancelled wait is one parked thread until the current holder lets go.
/// </remarks>
internal sealed class KernelLockWait
{
    private readonly LockKey _key;

    // Continuations run inline on the wait thread: the handoff then costs one kernel wake-up and no
    // thread-pool dispatch. The thread has nothing else to do and ends when the continuation yields.
    private readonly TaskCompletionSource _granted = new(TaskCreationOptions.None);

    private State _state; // guarded by LockKeyRegistry.Sync

    private KernelLockWait(LockKey key, SafeHandle file)
    {
        _key = key;
        File = file;
    }

    private enum State
    {
        Waiting,
        Parked,
        Granted,
        Finished,
    }

    public SafeHandle File { get; }

    /// <summary>Completes when the kernel grants the lock, or faults with <see cref="FileLockException"/>.</summary>
    public Task Granted => _granted.Task;

    public static KernelLockWait Start(LockKey key, SafeHandle file)
    {
        var wait = new KernelLockWait(key, file);
        KernelWaitThreads.Run(wait.Run);
        return wait;
    }

    /// <summary>
    /// The caller gives up. Returns <see langword="false"/> when the kernel already answered (the caller then
    /// awaits <see cref="Granted"/>: it either owns the lock and must release it, or gets the failure);
    /// otherwise the wait is parked on its key for adoption.
    /// </summary>
    public bool TryPark()
    {
        lock (LockKeyRegistry.Sync)
        {
            if (_state is State.Granted or State.Finished)
            {
                return false;
            }

            _state = State.Parked;
            _key.Parked = this;
            return true;
        }
    }

    /// <summary>Takes over the key's parked wait, if there is one still waiting. Call as the gate holder.</summary>
    public static KernelLockWait? TryAdopt(LockKey key)
    {
        lock (LockKeyRegistry.Sync)
        {
            var parked = key.Parked;
            if (parked is null)
            {
                return null;
            }

            key.Parked = null;
            parked._state = State.Waiting;
            return parked;
        }
    }

    private void Run()
    {
        Exception? failure = null;
        try
        {
            LockFilePrimitives.Lock(File, _key.Path);
        }
#pragma warning disable CA1031 // Any failure is handed to the awaiting caller below.
        catch (Exception e)
#pragma warning restore CA1031
        {
            failure = e;
        }

        bool abandoned;
        lock (LockKeyRegistry.Sync)
        {
            abandoned = _state == State.Parked;
            _state = failure is null && !abandoned ? State.Granted : State.Finished;
            if (abandoned)
            {
                _key.Parked = null;
                LockKeyRegistry.RemoveIfIdle(_key);
            }
        }

        if (abandoned || failure is not null)
        {
            if (failure is null)
            {
                LockFilePrimitives.Unlock(File);
            }

            File.Dispose();
        }

        if (abandoned)
        {
            return;
        }

        if (failure is not null)
        {
            _granted.SetException(failure);
        }
        else
        {
            _granted.SetResult();
        }
    }
}
