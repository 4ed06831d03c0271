using Stagecraft.Locking;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.Locking;

public class FileLockTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Acquire_then_dispose_leaves_the_lock_file_and_lets_the_next_holder_in()
    {
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("a.lock");

        var first = await FileLock.AcquireAsync(path);
        Assert.True(first.IsHeld);
        Assert.Equal(path, first.Path);
        await first.DisposeAsync();
        Assert.False(first.IsHeld);
        Assert.True(File.Exists(path), "the lock file must never be deleted");

        using var second = await FileLock.TryAcquireAsync(path, TimeSpan.Zero);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task Missing_parent_directory_is_created()
    {
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("locks", "nested", "a.lock");
        using var handle = await FileLock.AcquireAsync(path);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task Tasks_of_one_process_exclude_each_other_on_the_same_key()
    {
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("shared.lock");
        var inside = 0;
        var maxInside = 0;
        var entries = 0;

        async Task Worker()
        {
            for (var i = 0; i < 50; i++)
            {
                await using var handle = await FileLock.AcquireAsync(path);
                var now = Interlocked.Increment(ref inside);
                InterlockedMax(ref maxInside, now);
                await Task.Yield();
                entries++; // unsynchronised on purpose: only exclusion makes the count exact
                Interlocked.Decrement(ref inside);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(Worker)));
        Assert.Equal(1, maxInside);
        Assert.Equal(400, entries);
        Assert.False(LockKeyRegistry.IsTracked(path));
    }

    [UnixFact]
    public void Two_descriptors_in_one_process_exclude_each_other_in_the_kernel()
    {
        // Why FileLock may rely on flock within a process: the lock belongs to the open file description.
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("fd.lock");
        using var a = LockFilePrimitives.Open(path);
        using var b = LockFilePrimitives.Open(path);
        Assert.True(LockFilePrimitives.TryLock(a, path));
        Assert.False(LockFilePrimitives.TryLock(b, path));
        LockFilePrimitives.Unlock(a);
        Assert.True(LockFilePrimitives.TryLock(b, path));
    }

    [Fact]
    public async Task TryAcquire_times_out_with_null_while_another_task_holds_the_key()
    {
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("t.lock");
        using var holder = await FileLock.AcquireAsync(path);

        Assert.Null(await FileLock.TryAcquireAsync(path, TimeSpan.Zero));
        Assert.Null(await FileLock.TryAcquireAsync(path, TimeSpan.FromMilliseconds(50)));
        Assert.Null(FileLock.TryAcquire(path, TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public async Task Cancellation_stops_a_waiter_and_a_later_acquirer_still_gets_the_lock()
    {
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("c.lock");
        var holder = await FileLock.AcquireAsync(path);

        using var cts = new CancellationTokenSource();
        var waiter = FileLock.AcquireAsync(path, cts.Token);
        Assert.False(waiter.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);

        holder.Dispose();
        using var next = await FileLock.AcquireAsync(path).WaitAsync(Generous);
        Assert.True(next.IsHeld);
    }

    [Fact]
    public async Task Already_cancelled_token_throws_before_touching_the_file()
    {
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("never.lock");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FileLock.AcquireAsync(path, new CancellationToken(canceled: true)));
        Assert.Throws<OperationCanceledException>(() => FileLock.Acquire(path, new CancellationToken(canceled: true)));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Negative_timeout_is_rejected_with_the_value()
    {
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => FileLock.TryAcquireAsync("x.lock", TimeSpan.FromSeconds(-2)));
        Assert.Equal("timeout", e.ParamName);
    }

    [Fact]
    public void Sync_twins_exclude_and_release()
    {
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("s.lock");
        using (var handle = FileLock.Acquire(path))
        {
            Assert.Null(FileLock.TryAcquire(path, TimeSpan.Zero));
        }

        using var again = FileLock.TryAcquire(path, TimeSpan.FromSeconds(10));
        Assert.NotNull(again);
    }

    [Fact]
    public async Task Sync_acquire_with_a_token_is_cancellable_while_blocked()
    {
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("sc.lock");
        using var holder = await FileLock.AcquireAsync(path);
        using var cts = new CancellationTokenSource();
        var blocked = Task.Factory.StartNew(() => FileLock.Acquire(path, cts.Token), TaskCreationOptions.LongRunning);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked);
    }

    [Fact]
    public async Task A_parked_kernel_wait_does_not_keep_the_lock_from_another_process()
    {
        // A cancelled waiter leaves its flock request parked; when granted with nobody adopting it, it must let go.
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("p.lock");
        using var holder = TestChildProcess.Start("lock-hold", path);
        await holder.WaitForLineAsync(l => l == "held", Generous);

        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FileLock.AcquireAsync(path, cts.Token));
        }

        Assert.Null(await FileLock.TryAcquireAsync(path, TimeSpan.FromMilliseconds(100)));

        holder.Kill();
        await holder.WaitForExitAsync(Generous);

        // Whichever wait the kernel grants, the lock must end up free for a fresh opener on another descriptor.
        using var fresh = LockFilePrimitives.Open(path);
        var deadline = DateTime.UtcNow + Generous;
        var taken = false;
        while (!taken && DateTime.UtcNow < deadline)
        {
            taken = LockFilePrimitives.TryLock(fresh, path);
            if (!taken)
            {
                await Task.Delay(20);
            }
        }

        Assert.True(taken, "the parked wait kept the lock after it was granted");
        LockFilePrimitives.Unlock(fresh);
        SpinWait.SpinUntil(() => !LockKeyRegistry.IsTracked(path), Generous);
        Assert.False(LockKeyRegistry.IsTracked(path));
    }

    [Fact]
    public async Task A_timed_out_waiter_parks_and_the_next_acquirer_adopts_the_kernel_wait()
    {
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("adopt.lock");
        using var holder = TestChildProcess.Start("lock-hold", path);
        await holder.WaitForLineAsync(l => l == "held", Generous);

        Assert.Null(await FileLock.TryAcquireAsync(path, TimeSpan.FromMilliseconds(50)));
        var waiter = FileLock.AcquireAsync(path);
        holder.Kill();
        using var handle = await waiter.WaitAsync(Generous);
        Assert.True(handle.IsHeld);
    }

    [Fact]
    public async Task A_sync_uncancellable_acquirer_adopts_a_parked_wait_too()
    {
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("adopt-sync.lock");
        using var holder = TestChildProcess.Start("lock-hold", path);
        await holder.WaitForLineAsync(l => l == "held", Generous);

        Assert.Null(FileLock.TryAcquire(path, TimeSpan.FromMilliseconds(50)));
        var waiter = Task.Factory.StartNew(() => FileLock.Acquire(path), TaskCreationOptions.LongRunning);
        holder.Kill();
        using var handle = await waiter.WaitAsync(Generous);
        Assert.True(handle.IsHeld);
    }

    [Fact]
    public async Task Contended_kernel_waits_in_a_row_reuse_dedicated_threads_and_keep_working()
    {
        // The holder is a second descriptor of this process, outside FileLock's gate: every acquisition
        // below really waits in the kernel, on a pooled dedicated thread.
        using var dir = new TempDirectory("lock");
        var path = dir.Combine("reuse.lock");
        using var holder = LockFilePrimitives.Open(path);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(LockFilePrimitives.TryLock(holder, path));
            var waiter = i % 2 == 0 ? AsNullable(FileLock.AcquireAsync(path)) : FileLock.TryAcquireAsync(path, Generous);
            Assert.False(waiter.IsCompleted);
            LockFilePrimitives.Unlock(holder);
            using var next = await waiter.WaitAsync(Generous);
            Assert.True(next!.IsHeld);
        }
    }

    private static async Task<FileLockHandle?> AsNullable(Task<FileLockHandle> task) => await task;

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
