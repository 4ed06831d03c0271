using Stagecraft.Registry;
using Stagecraft.Storage;
using static Stagecraft.Sdk.Tests.Registry.RegistryTestModels;

namespace Stagecraft.Sdk.Tests.Registry;

public class AliasTests
{
    [Fact]
    public async Task Unset_alias_resolves_to_nothing_at_generation_zero()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        var resolution = await registry.ResolveAsync("champion");
        Assert.False(resolution.IsSet);
        Assert.Equal(0, resolution.Generation);
        Assert.Throws<AliasNotSetException>(() => resolution.RequireRunId());
    }

    [Fact]
    public async Task Set_then_resolve_returns_run_and_generation_read_at()
    {
        var registry = NewRegistry(new InMemoryObjectStorage(), actor: "bob");
        await registry.RegisterAsync(Registration("run-a", 0.9));
        var move = await registry.SetAliasAsync("champion", "run-a", expectedGeneration: 0, "first champion");

        var resolved = await registry.ResolveAsync("champion");
        Assert.Equal("run-a", resolved.RequireRunId());
        Assert.Equal(move.Generation, resolved.Generation);
        Assert.Equal(1, resolved.Sequence);
        Assert.Equal(("champion", 1L, (string?)null, "run-a", 0L, "bob", "first champion"), (move.Alias, move.Sequence, move.FromRunId, move.ToRunId, move.FromGeneration, move.MovedBy, move.Reason));
    }

    [Fact]
    public async Task Stale_expected_generation_is_a_conflict_and_changes_nothing()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        await registry.RegisterAsync(Registration("run-a", 0.9));
        await registry.RegisterAsync(Registration("run-b", 0.8));
        var first = await registry.SetAliasAsync("champion", "run-a", 0, "first");

        var conflict = await Assert.ThrowsAsync<AliasConflictException>(() => registry.SetAliasAsync("champion", "run-b", 0, "stale"));
        Assert.Equal(0, conflict.ExpectedGeneration);
        Assert.Equal(first.Generation, conflict.ActualGeneration);
        Assert.Equal("run-a", conflict.ActualRunId);
        Assert.Equal("run-a", (await registry.ResolveAsync("champion")).RunId);
        Assert.Single(await registry.GetAliasHistoryAsync("champion").ToListAsync());
    }

    [Fact]
    public async Task Conflict_detected_by_storage_precondition_is_typed_too()
    {
        // A mover that read generation G, then lost the race inside the store's compare-and-swap.
        var storage = new InMemoryObjectStorage();
        var registry = NewRegistry(storage);
        await registry.RegisterAsync(Registration("run-a", 0.9));
        var move = await registry.SetAliasAsync("champion", "run-a", 0, "first");
        storage.Fault = (op, key) => op == "put" && key.EndsWith("current.json", StringComparison.Ordinal)
            ? new PreconditionFailedException(key, move.Generation, move.Generation + 1)
            : null;
        var conflict = await Assert.ThrowsAsync<AliasConflictException>(() => registry.SetAliasAsync("champion", "run-a", move.Generation, "again"));
        Assert.IsType<PreconditionFailedException>(conflict.InnerException);
    }

    [Fact]
    public async Task Alias_can_only_point_at_a_registered_model()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        var ex = await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.SetAliasAsync("champion", "ghost-run", 0, "oops"));
        Assert.Equal("ghost-run", ex.RunId);
        Assert.False((await registry.ResolveAsync("champion")).IsSet);
    }

    [Fact]
    public async Task Every_move_is_in_the_history_as_a_consistent_chain()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        string[] runs = ["run-a", "run-b", "run-c"];
        foreach (var run in runs)
        {
            await registry.RegisterAsync(Registration(run, 0.5));
        }

        var generation = 0L;
        foreach (var run in new[] { "run-a", "run-b", "run-c", "run-a" })
        {
            generation = (await registry.SetAliasAsync("production", run, generation, $"to {run}")).Generation;
        }

        generation = (await registry.ClearAliasAsync("production", generation, "retired")).Generation;
        var history = await registry.GetAliasHistoryAsync("production").ToListAsync();
        AssertChain(history);
        Assert.Equal(["run-a", "run-b", "run-c", "run-a", null], history.Select(m => m.ToRunId));
        Assert.Equal("retired", history[^1].Reason);
        Assert.Equal(generation, history[^1].Generation);
        Assert.False((await registry.ResolveAsync("production")).IsSet);
    }

    [Fact]
    public async Task History_entry_lost_after_the_swap_is_rebuilt_from_the_pointer()
    {
        // A mover that dies (here: its history write fails) between its compare-and-swap and its history write.
        var storage = new InMemoryObjectStorage();
        var logger = new RecordingLogger<ModelRegistry>();
        var registry = new ModelRegistry(storage, new ModelRegistryOptions { Actor = "t", LoggerFactory = logger });
        await registry.RegisterAsync(Registration("run-a", 0.9));
        await registry.RegisterAsync(Registration("run-b", 0.8));
        var first = await registry.SetAliasAsync("champion", "run-a", 0, "first");

        var entry2 = registry.Paths.AliasHistoryEntry("champion", 2);
        storage.Fault = (op, key) => op == "put" && key == entry2 ? new IOException("disk full") : null;
        var second = await registry.SetAliasAsync("champion", "run-b", first.Generation, "second");
        Assert.Null(await storage.StatAsync(registry.Paths.AliasHistoryEntry("champion", 2)));
        Assert.Contains(logger.Entries, e => e.Exception is IOException && e.Message.Contains("history entry 2", StringComparison.Ordinal));

        storage.Fault = null;
        var history = await registry.GetAliasHistoryAsync("champion").ToListAsync();
        AssertChain(history);
        Assert.Equal(second, history[^1]);

        // And a mover repairs it too, before its own move.
        storage.Remove(registry.Paths.AliasHistoryEntry("champion", 2));
        await registry.SetAliasAsync("champion", "run-a", second.Generation, "third");
        Assert.NotNull(await storage.StatAsync(registry.Paths.AliasHistoryEntry("champion", 2)));
        AssertChain(await registry.GetAliasHistoryAsync("champion").ToListAsync());
    }

    [Fact]
    public async Task Concurrent_movers_in_one_process_never_lose_an_update()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        const int Movers = 8, MovesEach = 15;
        for (var m = 0; m < Movers; m++)
        {
            await registry.RegisterAsync(Registration($"mover-{m}", 0.5));
        }

        var conflicts = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, Movers), new ParallelOptions { MaxDegreeOfParallelism = Movers }, async (m, ct) =>
        {
            for (var i = 0; i < MovesEach; i++)
            {
                while (true)
                {
                    var current = await registry.ResolveAsync("champion", ct);
                    try
                    {
                        await registry.SetAliasAsync("champion", $"mover-{m}", current.Generation, $"mover {m} move {i}", ct);
                        break;
                    }
                    catch (AliasConflictException)
                    {
                        Interlocked.Increment(ref conflicts);
                    }
                }
            }
        });

        var history = await registry.GetAliasHistoryAsync("champion").ToListAsync();
        Assert.Equal(Movers * MovesEach, history.Count);
        AssertChain(history);
        for (var m = 0; m < Movers; m++)
        {
            Assert.Equal(MovesEach, history.Count(h => h.ToRunId == $"mover-{m}"));
        }
    }

    /// <summary>Sequences 1..n without gaps; each move starts where the previous one ended.</summary>
    internal static void AssertChain(IReadOnlyList<AliasMove> history)
    {
        for (var i = 0; i < history.Count; i++)
        {
            Assert.Equal(i + 1, history[i].Sequence);
            if (i == 0)
            {
                Assert.Null(history[i].FromRunId);
                Assert.Equal(0, history[i].FromGeneration);
            }
            else
            {
                Assert.Equal(history[i - 1].ToRunId, history[i].FromRunId);
                Assert.Equal(history[i - 1].Generation, history[i].FromGeneration);
                Assert.True(history[i].Generation > history[i - 1].Generation);
            }
        }
    }
}
