using Microsoft.Extensions.Logging;
using Stagecraft.Registry;
using static Stagecraft.Sdk.Tests.Registry.RegistryTestModels;

namespace Stagecraft.Sdk.Tests.Registry;

public class AliasGuardTests
{
    private sealed class PipelineFailed(string message) : Exception(message);

    private static async Task<(InMemoryObjectStorage Storage, ModelRegistry Registry, AliasMove Seed)> ChampionAtRunAAsync()
    {
        var storage = new InMemoryObjectStorage();
        var registry = NewRegistry(storage);
        foreach (var (run, accuracy) in new[] { ("run-a", 0.9), ("run-b", 0.7), ("run-c", 0.8) })
        {
            await registry.RegisterAsync(Registration(run, accuracy));
        }

        var seed = await registry.SetAliasAsync("champion", "run-a", 0, "seed");
        return (storage, registry, seed);
    }

    [Fact]
    public async Task Restore_happens_when_the_pipeline_fails()
    {
        var (_, registry, seed) = await ChampionAtRunAAsync();
        var logger = new RecordingLogger<AliasGuard>();

        var thrown = await Assert.ThrowsAsync<PipelineFailed>(async () =>
        {
            await using var guard = new AliasGuard(registry, new AliasGuardOptions { LoggerFactory = logger });
            await guard.SetAliasAsync("champion", "run-b", seed.Generation, "try the worse run");
            throw new PipelineFailed("planning step crashed");
        });

        Assert.Equal("planning step crashed", thrown.Message);
        Assert.Equal("run-a", (await registry.ResolveAsync("champion")).RunId);
        var history = await registry.GetAliasHistoryAsync("champion").ToListAsync();
        AliasTests.AssertChain(history);
        Assert.Equal(["run-a", "run-b", "run-a"], history.Select(h => h.ToRunId));
        Assert.Contains("restored by AliasGuard", history[^1].Reason, StringComparison.Ordinal);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("Restored alias champion to run-a", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nothing_moved_means_nothing_is_written_or_logged()
    {
        var (storage, registry, seed) = await ChampionAtRunAAsync();
        var logger = new RecordingLogger<AliasGuard>();
        var objectsBefore = storage.Count;

        var guard = new AliasGuard(registry, new AliasGuardOptions { LoggerFactory = logger });
        var outcomes = await guard.RestoreAsync();
        await guard.DisposeAsync();

        Assert.Empty(outcomes);
        Assert.Equal(objectsBefore, storage.Count);
        Assert.Equal(seed.Generation, (await registry.ResolveAsync("champion")).Generation);
        Assert.Empty(logger.Entries);
    }

    [Fact]
    public async Task Completed_guard_keeps_its_moves()
    {
        var (_, registry, seed) = await ChampionAtRunAAsync();
        await using (var guard = new AliasGuard(registry))
        {
            await guard.SetAliasAsync("champion", "run-c", seed.Generation, "better");
            guard.Complete();
        }

        Assert.Equal("run-c", (await registry.ResolveAsync("champion")).RunId);
    }

    [Fact]
    public async Task Restore_failure_is_swallowed_and_logged_with_its_exception()
    {
        var (storage, registry, seed) = await ChampionAtRunAAsync();
        var logger = new RecordingLogger<AliasGuard>();
        var storageDown = new IOException("storage unavailable");

        var thrown = await Assert.ThrowsAsync<PipelineFailed>(async () =>
        {
            await using var guard = new AliasGuard(registry, new AliasGuardOptions { LoggerFactory = logger });
            await guard.SetAliasAsync("champion", "run-b", seed.Generation, "swap");
            storage.Fault = (op, key) => op == "put" ? storageDown : null; // the restore's write will fail
            throw new PipelineFailed("original failure");
        });

        Assert.Equal("original failure", thrown.Message);
        var error = Assert.Single(logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Same(storageDown, error.Exception);
        Assert.Contains("champion", error.Message, StringComparison.Ordinal);
        storage.Fault = null;
        Assert.Equal("run-b", (await registry.ResolveAsync("champion")).RunId); // honest: the restore did not happen
    }

    [Fact]
    public async Task Original_exception_is_preserved_by_RunAsync_even_when_restore_fails()
    {
        var (storage, registry, seed) = await ChampionAtRunAAsync();
        var logger = new RecordingLogger<AliasGuard>();
        var original = new PipelineFailed("step 16 failed");

        var thrown = await Assert.ThrowsAsync<PipelineFailed>(() => AliasGuard.RunAsync<int>(registry, async guard =>
        {
            await guard.SetAliasAsync("champion", "run-b", seed.Generation, "swap");
            storage.Fault = (op, _) => op == "stat" ? new InvalidOperationException("restore blew up") : null;
            throw original;
        }, new AliasGuardOptions { LoggerFactory = logger }));

        Assert.Same(original, thrown);
        Assert.Contains(nameof(Original_exception_is_preserved_by_RunAsync_even_when_restore_fails), thrown.StackTrace, StringComparison.Ordinal);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Exception is InvalidOperationException { Message: "restore blew up" });
    }

    [Fact]
    public async Task RunAsync_completes_on_success_and_keeps_moves()
    {
        var (_, registry, seed) = await ChampionAtRunAAsync();
        var result = await AliasGuard.RunAsync(registry, async guard =>
        {
            await guard.SetAliasAsync("champion", "run-c", seed.Generation, "ok");
            return 42;
        });

        Assert.Equal(42, result);
        Assert.Equal("run-c", (await registry.ResolveAsync("champion")).RunId);
    }

    [Fact]
    public async Task A_later_move_by_someone_else_is_not_clobbered_by_the_restore()
    {
        var (_, registry, seed) = await ChampionAtRunAAsync();
        var logger = new RecordingLogger<AliasGuard>();
        IReadOnlyList<AliasRestoreOutcome>? outcomes = null;

        await Assert.ThrowsAsync<PipelineFailed>(async () =>
        {
            var guard = new AliasGuard(registry, new AliasGuardOptions { LoggerFactory = logger });
            try
            {
                var ours = await guard.SetAliasAsync("champion", "run-b", seed.Generation, "ours");
                await registry.SetAliasAsync("champion", "run-c", ours.Generation, "someone else, later"); // not through the guard
                throw new PipelineFailed("boom");
            }
            catch
            {
                outcomes = await guard.RestoreAsync();
                throw;
            }
        });

        var outcome = Assert.Single(outcomes!);
        Assert.Equal(AliasRestoreStatus.SkippedMovedByOthers, outcome.Status);
        Assert.IsType<AliasConflictException>(outcome.Error);
        Assert.Equal("run-c", (await registry.ResolveAsync("champion")).RunId);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("their move wins", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Alias_created_within_the_guard_is_cleared_on_restore()
    {
        var (_, registry, _) = await ChampionAtRunAAsync();
        await using (var guard = new AliasGuard(registry))
        {
            await guard.SetAliasAsync("production", "run-c", 0, "first deploy");
        }

        var production = await registry.ResolveAsync("production");
        Assert.False(production.IsSet);
        Assert.Equal(2, production.Sequence);
    }

    [Fact]
    public async Task Moves_that_end_where_they_started_need_no_restore()
    {
        var (_, registry, seed) = await ChampionAtRunAAsync();
        var guard = new AliasGuard(registry);
        var away = await guard.SetAliasAsync("champion", "run-b", seed.Generation, "away");
        var back = await guard.SetAliasAsync("champion", "run-a", away.Generation, "back");
        var outcome = Assert.Single(await guard.RestoreAsync());
        Assert.Equal(AliasRestoreStatus.AlreadyOriginal, outcome.Status);
        Assert.Equal(back.Generation, (await registry.ResolveAsync("champion")).Generation);
    }

    [Fact]
    public async Task Several_aliases_and_promotions_are_all_restored()
    {
        var (_, registry, seed) = await ChampionAtRunAAsync();
        var guard = new AliasGuard(registry);
        await guard.SetAliasAsync("production", "run-a", 0, "deploy");
        await guard.PromoteIfBetterAsync("champion", "run-b", new PromotionPolicy("loss", MetricDirection.HigherIsBetter)); // a deliberately wrong policy promotes the worse run
        var outcomes = await guard.RestoreAsync();

        Assert.Equal(["champion", "production"], outcomes.Select(o => o.Alias));
        Assert.All(outcomes, o => Assert.Equal(AliasRestoreStatus.Restored, o.Status));
        Assert.Equal("run-a", (await registry.ResolveAsync("champion")).RunId);
        Assert.False((await registry.ResolveAsync("production")).IsSet);
        Assert.Same(outcomes, await guard.RestoreAsync()); // once only
        await Assert.ThrowsAsync<InvalidOperationException>(() => guard.SetAliasAsync("champion", "run-c", seed.Generation, "late"));
    }
}
