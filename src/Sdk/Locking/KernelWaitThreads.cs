namespace Stagecraft.Locking;

/// <summary>
/// Dedicated (non-thread-pool) threads for blocking kernel lock waits, kept parked for a while after use.
/// Starting a thread costs a clone, a stack and a handshake (<see cref="Thread.Start()"/> waits for it to
/// run), which on a busy machine lands on the handoff's critical path; waking a parked one is one futex.
/// </summary>
internal static class KernelWaitThreads
{
    private const int MaxIdle = 16;
    private static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(30);

    private static readonly Lock Sync = new();
    private static readonly List<Worker> Idle = [];

    /// <summary>Runs <paramref name="work"/> on a dedicated thread; it may block indefinitely.</summary>
    public static void Run(Action work)
    {
        Worker? worker = null;
        lock (Sync)
        {
            if (Idle.Count > 0)
            {
                worker = Idle[^1];
                Idle.RemoveAt(Idle.Count - 1);
                worker.Assigned = work;
            }
        }

        if (worker is null)
        {
            // Default stack size: continuations of the awaiting caller run inline on this thread (no thread-pool
            // hop on the handoff path), so it must suit arbitrary user code.
            var thread = new Thread(new Worker { Assigned = work }.Loop)
            {
                IsBackground = true,
                Name = "Stagecraft FileLock wait",
            };
            thread.Start();
        }
        else
        {
            worker.Signal.Release();
        }
    }

    private sealed class Worker
    {
        public SemaphoreSlim Signal { get; } = new(0, 1);

        /// <summary>Guarded by <see cref="Sync"/> once the worker is parked.</summary>
        public Action? Assigned { get; set; }

        public void Loop()
        {
            var work = Assigned;
            while (work is not null)
            {
                work();
                work = Park();
            }

            Signal.Dispose();
        }

        /// <summary>Waits for the next assignment; <see langword="null"/> means retire.</summary>
        private Action? Park()
        {
            lock (Sync)
            {
                Assigned = null;
                if (Idle.Count >= MaxIdle)
                {
                    return null;
                }

                Idle.Add(this);
            }

            if (!Signal.Wait(IdleLifetime))
            {
                lock (Sync)
                {
                    if (Assigned is null)
                    {
                        Idle.Remove(this);
                        return null;
                    }
                }

                // Assigned while timing out: the signal is on its way.
                Signal.Wait();
            }

            lock (Sync)
            {
                return Assigned;
            }
        }
    }
}
