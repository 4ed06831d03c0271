using System.Globalization;

namespace Stagecraft.Testing.References;

/// <summary>
/// Runs crash rounds: each round starts <c>lanes</c> child processes (which print <c>ready</c> and then work), SIGKILLs
/// each at its own random moment, waits until all are dead and then runs the checker (so it never races a live writer).
/// </summary>
public static class KillRounds
{
    /// <summary>Kills per crash scenario: <paramref name="fallback"/>, or <c>STAGECRAFT_REF_KILL_ITERATIONS</c> when set.</summary>
    public static int Iterations(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("STAGECRAFT_REF_KILL_ITERATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : fallback;

    /// <summary>Runs rounds until <paramref name="kills"/> children have been killed.</summary>
    /// <param name="kills">Total SIGKILLs.</param>
    /// <param name="lanes">Children per round (they may share state: the kill then also lands mid-race).</param>
    /// <param name="start">Starts the child for (round, lane); it must print <c>ready</c> right before the work begins.</param>
    /// <param name="maxDelay">Upper bound of the random delay between <c>ready</c> and the kill.</param>
    /// <param name="afterRound">Checks the invariant after every round, with the round number.</param>
    /// <param name="seed">Random seed (reported, so a failure can be replayed).</param>
    /// <param name="timeout">Per-child budget for <c>ready</c> and exit.</param>
    /// <returns>How many children exited on their own before the kill (work finished too early to be interrupted).</returns>
    public static async Task<int> RunAsync(
        int kills,
        int lanes,
        Func<int, int, TestChildProcess> start,
        TimeSpan maxDelay,
        Func<int, Task> afterRound,
        int seed,
        TimeSpan timeout)
    {
        var random = new Random(seed);
        var finishedEarly = 0;
        var killed = 0;
        for (var round = 0; killed < kills; round++)
        {
            var count = Math.Min(lanes, kills - killed);
            var children = new List<TestChildProcess>(count);
            try
            {
                for (var lane = 0; lane < count; lane++)
                {
                    children.Add(start(round, lane));
                }

                var delays = children.Select(_ => TimeSpan.FromTicks((long)(random.NextDouble() * maxDelay.Ticks))).ToList();
                await Task.WhenAll(children.Select(async (child, lane) =>
                {
                    await child.WaitForLineAsync(l => l == "ready", timeout);
                    await Task.Delay(delays[lane]);
                    if (child.Process.HasExited)
                    {
                        Interlocked.Increment(ref finishedEarly);
                    }

                    child.Kill();
                    await child.WaitForExitAsync(timeout);
                }));
            }
            finally
            {
                children.ForEach(c => c.Dispose());
            }

            killed += count;
            await afterRound(round);
        }

        return finishedEarly;
    }
}
