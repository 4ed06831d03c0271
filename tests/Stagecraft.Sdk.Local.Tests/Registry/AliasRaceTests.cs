using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Stagecraft.Artifacts;
using Stagecraft.Local.Storage;
using Stagecraft.Registry;
using Stagecraft.Testing;
using Xunit.Abstractions;

namespace Stagecraft.Sdk.Local.Tests.Registry;

/// <summary>
/// Alias moves across real processes on the local object store: compare-and-swap must never lose an update, and the
/// history must stay one gap-free chain even when a mover is SIGKILLed between its swap and its history write.
/// Scale with STAGECRAFT_REGISTRY_MOVERS (default 4) and STAGECRAFT_REGISTRY_MOVES (default 12).
/// </summary>
public class AliasRaceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(3);

    private static int FromEnvironment(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    [Fact]
    public async Task Concurrent_movers_in_separate_processes_never_lose_an_update()
    {
        var movers = FromEnvironment("STAGECRAFT_REGISTRY_MOVERS", 4);
        var moves = FromEnvironment("STAGECRAFT_REGISTRY_MOVES", 12);
        using var dir = new TempDirectory("alias-race");
        var storeRoot = dir.Combine("store");
        var registry = new ModelRegistry(new LocalObjectStorage(storeRoot), new ModelRegistryOptions { Actor = "test" });
        for (var m = 0; m < movers; m++)
        {
            await registry.RegisterAsync(Registration($"mover-{m}"));
        }

        using var race = ProcessRace.Start(movers, dir.Combine("go"), (m, goFile) => TestChildProcess.Start("registry-move-alias", storeRoot, "champion", m.ToString(CultureInfo.InvariantCulture), moves.ToString(CultureInfo.InvariantCulture), goFile));
        await race.GoAsync(Generous);
        var conflicts = 0;
        foreach (var child in race.Children)
        {
            Assert.True(await child.WaitForExitAsync(Generous) == 0, child.StandardError);
            conflicts += int.Parse(child.StandardOutput.Split('\n').Single(l => l.StartsWith("conflicts=", StringComparison.Ordinal))["conflicts=".Length..], CultureInfo.InvariantCulture);
        }

        var history = new List<AliasMove>();
        await foreach (var move in registry.GetAliasHistoryAsync("champion"))
        {
            history.Add(move);
        }

        output.WriteLine($"{movers} processes x {moves} moves: {history.Count} history entries, {conflicts} conflicts retried");
        Assert.Equal(movers * moves, history.Count);
        AssertChain(history);
        for (var m = 0; m < movers; m++)
        {
            var mine = history.Where(h => h.MovedBy == $"mover-{m}").ToList();
            Assert.Equal(moves, mine.Count);
            Assert.All(mine, h => Assert.Equal($"mover-{m}", h.ToRunId));
            Assert.Equal(Enumerable.Range(0, moves).Select(i => $"mover {m} move {i}"), mine.Select(h => h.Reason)); // each mover's moves in its order
        }

        var final = await registry.ResolveAsync("champion");
        Assert.Equal(history[^1].ToRunId, final.RunId);
        Assert.Equal(history[^1].Generation, final.Generation);
    }

    [Fact]
    public async Task A_mover_killed_mid_move_leaves_a_history_the_next_reader_completes()
    {
        using var dir = new TempDirectory("alias-crash");
        var storeRoot = dir.Combine("store");
        var registry = new ModelRegistry(new LocalObjectStorage(storeRoot), new ModelRegistryOptions { Actor = "test" });
        await registry.RegisterAsync(Registration("run-a"));
        await registry.RegisterAsync(Registration("run-b"));

        var kills = FromEnvironment("STAGECRAFT_REGISTRY_KILLS", 3);
        for (var k = 0; k < kills; k++)
        {
            using var child = TestChildProcess.Start("registry-move-forever", storeRoot, "champion", "run-a", "run-b");
            var target = 5 + (k * 7);
            await child.WaitForLineAsync(l => l == $"moved {target}", Generous);
            child.Kill(); // SIGKILL at an arbitrary point of a later move
            await child.WaitForExitAsync(Generous);
        }

        var history = new List<AliasMove>();
        await foreach (var move in registry.GetAliasHistoryAsync("champion"))
        {
            history.Add(move);
        }

        var final = await registry.ResolveAsync("champion");
        output.WriteLine($"{kills} kills; {history.Count} moves recorded");
        AssertChain(history);
        Assert.Equal(final.Sequence, history.Count);
        Assert.Equal(final.RunId, history[^1].ToRunId);
    }

    private static ModelRegistration Registration(string runId) => new()
    {
        RunId = runId,
        Stage = "train",
        ArtifactUri = ArtifactUri.ForGcs("models-bucket", runId, "model.bin"),
        ArtifactSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(runId))),
        ArtifactSize = 1,
        Metrics = new Dictionary<string, double> { ["accuracy"] = 0.5 },
    };

    private static void AssertChain(List<AliasMove> history)
    {
        for (var i = 0; i < history.Count; i++)
        {
            Assert.Equal(i + 1, history[i].Sequence);
            if (i > 0)
            {
                Assert.Equal(history[i - 1].ToRunId, history[i].FromRunId);
                Assert.Equal(history[i - 1].Generation, history[i].FromGeneration);
            }
        }
    }
}
