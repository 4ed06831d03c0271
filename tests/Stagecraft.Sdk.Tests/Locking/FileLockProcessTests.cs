using System.Globalization;
using Stagecraft.Locking;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.Locking;

/// <summary>FileLock across real processes: exclusion under a race, and release when the holder is SIGKILLed.</summary>
public class FileLockProcessTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Child_processes_incrementing_a_counter_never_overlap_and_count_exactly()
    {
        // N processes x M acquisitions; raise with STAGECRAFT_LOCK_RACE_ITERATIONS for a longer soak.
        const int processes = 4;
        var iterations = EnvInt("STAGECRAFT_LOCK_RACE_ITERATIONS", 40);
        using var dir = new TempDirectory("lockrace");
        var (lockPath, counter, marker) = (dir.Combine("race.lock"), dir.Combine("counter.txt"), dir.Combine("inside"));

        var children = Enumerable.Range(0, processes)
            .Select(_ => TestChildProcess.Start("lock-count", lockPath, counter, marker, iterations.ToString(CultureInfo.InvariantCulture)))
            .ToList();
        try
        {
            var exits = await Task.WhenAll(children.Select(c => c.WaitForExitAsync(Generous)));
            for (var i = 0; i < processes; i++)
            {
                Assert.True(exits[i] == 0, $"child {i} exited {exits[i]}; stdout: {children[i].StandardOutput} stderr: {children[i].StandardError}");
                Assert.DoesNotContain("OVERLAP", children[i].StandardOutput, StringComparison.Ordinal);
            }

            Assert.Equal(processes * iterations, int.Parse(await File.ReadAllTextAsync(counter), CultureInfo.InvariantCulture));
            Assert.False(File.Exists(marker));
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task A_SIGKILLed_holder_releases_the_lock_to_the_waiter()
    {
        using var dir = new TempDirectory("lockkill");
        var lockPath = dir.Combine("held.lock");
        using var holder = TestChildProcess.Start("lock-hold", lockPath);
        await holder.WaitForLineAsync(l => l == "held", Generous);

        var waiter = FileLock.AcquireAsync(lockPath);
        Assert.Null(await FileLock.TryAcquireAsync(lockPath, TimeSpan.FromMilliseconds(100)));
        Assert.False(waiter.IsCompleted);

        holder.Kill();
        using var handle = await waiter.WaitAsync(Generous);
        Assert.True(handle.IsHeld);
        Assert.True(File.Exists(lockPath));
    }

    [Fact]
    public async Task Sync_waiter_blocked_on_a_holder_process_is_released_when_it_dies()
    {
        using var dir = new TempDirectory("lockkill");
        var lockPath = dir.Combine("held.lock");
        using var holder = TestChildProcess.Start("lock-hold", lockPath);
        await holder.WaitForLineAsync(l => l == "held", Generous);

        var waiter = Task.Factory.StartNew(() => FileLock.Acquire(lockPath), TaskCreationOptions.LongRunning);
        holder.Kill();
        using var handle = await waiter.WaitAsync(Generous);
        Assert.True(handle.IsHeld);
    }

    internal static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
