using System.Collections.Concurrent;

namespace Stagecraft.Gcp.Emulation.Time;

/// <summary>
/// A <see cref="TimeProvider"/> whose one-shot timers fire at once (on the thread pool) and which records every
/// requested due time. Injected into clients so that backoff waits cost nothing in tests while the delays the
/// client asked for stay observable.
/// </summary>
public sealed class ImmediateTimeProvider : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _requested = new();

    /// <summary>Every due time passed to <see cref="CreateTimer"/>, in order.</summary>
    public IReadOnlyList<TimeSpan> RequestedDelays => [.. _requested];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _requested.Enqueue(dueTime);
            // Fired asynchronously: Task.Delay must finish constructing before its callback runs.
            ThreadPool.UnsafeQueueUserWorkItem(_ => callback(state), null);
        }

        return new FiredTimer();
    }

    private sealed class FiredTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => false;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
