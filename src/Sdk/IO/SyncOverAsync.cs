using System.Diagnostics;

namespace Stagecraft.IO;

/// <summary>
/// The pieces of the one-implementation shape for an operation offered both blocking and asynchronous: a private
/// <c>…CoreAsync(…, bool async, …)</c> method returning a <see cref="ValueTask"/>, awaited by the asynchronous entry
/// point and finished with <see cref="EnsureCompleted{T}(ValueTask{T})"/> by the blocking one. With
/// <c>async: false</c> the core never awaits anything unfinished, so the blocking caller never blocks on a task that
/// needs another thread to finish (the deadlock sync-over-async otherwise risks).
/// </summary>
internal static class SyncOverAsync
{
    /// <summary>The result of a core called with <c>async: false</c>, which has therefore already finished.</summary>
    public static T EnsureCompleted<T>(this ValueTask<T> task)
    {
        Debug.Assert(task.IsCompleted, "A core method called with async: false must complete synchronously.");
        return task.GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="EnsureCompleted{T}(ValueTask{T})"/>
    public static void EnsureCompleted(this ValueTask task)
    {
        Debug.Assert(task.IsCompleted, "A core method called with async: false must complete synchronously.");
        task.GetAwaiter().GetResult();
    }

    /// <summary>Awaits <paramref name="task"/> when <paramref name="async"/>, otherwise blocks on it here and returns finished.</summary>
    public static ValueTask AwaitOrBlock(this Task task, bool async)
    {
        if (async)
        {
            return new ValueTask(task);
        }

        task.GetAwaiter().GetResult();
        return default;
    }

    /// <summary>
    /// Runs long blocking <paramref name="work"/> on the thread pool when <paramref name="async"/> (an asynchronous
    /// caller's thread is not held for it), otherwise on the calling thread.
    /// </summary>
    public static ValueTask RunAsync(Action work, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            return new ValueTask(Task.Run(work, cancellationToken));
        }

        work();
        return default;
    }
}
