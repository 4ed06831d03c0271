using System.Globalization;
using Stagecraft.Runs;
using Stagecraft.Testing;
using Stagecraft.WarmPool;
using Xunit.Abstractions;

namespace Stagecraft.Sdk.Local.Tests.WarmPool;

/// <summary>Several processes claim from one pool over shared local storage: every claim is exclusive, none is lost.</summary>
public sealed class WarmPoolProcessRaceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Four_processes_never_double_claim_an_instance()
    {
        const int processes = 4, claimsEach = 15, instances = 5;
        using var dir = new TempDirectory("warmpool-race");
        var root = dir.Combine("store");
        var pool = Stagecraft.TestChild.WarmPoolCommands.Open(root);
        for (var i = 0; i < instances; i++)
        {
            var registration = await pool.TryRegisterAsync(Stagecraft.TestChild.WarmPoolCommands.Profile, $"first-{i}", "fake") ?? throw new InvalidOperationException("cap");
            Assert.True(await pool.MarkLaunchedAsync(registration, null));
            Assert.NotNull(await pool.CompleteJobAsync(registration.Instance.Profile, registration.Instance.InstanceId, $"first-{i}", new RunExitRecord(0)));
        }

        // The cap holds against registrations from here too.
        Assert.Null(await pool.TryRegisterAsync(Stagecraft.TestChild.WarmPoolCommands.Profile, "one-too-many", "fake"));

        using var race = ProcessRace.Start(processes, dir.Combine("go"), (p, goFile) => TestChildProcess.Start("warmpool-claim-loop", root, p.ToString(CultureInfo.InvariantCulture), claimsEach.ToString(CultureInfo.InvariantCulture), goFile));
        await race.GoAsync(Generous);
        foreach (var child in race.Children)
        {
            Assert.True(await child.WaitForExitAsync(Generous) == 0, child.StandardError);
            Assert.Contains($"double=0 claims={claimsEach}", child.StandardOutput, StringComparison.Ordinal);
        }

        // Every job end was counted exactly once: the first jobs plus every claimed job, none lost or doubled.
        var all = await pool.ListAsync().ToListAsync();
        Assert.Equal(instances, all.Count);
        Assert.All(all, i => Assert.Equal(WarmInstanceState.Idle, i.State));
        Assert.Equal(instances + (processes * claimsEach), all.Sum(i => i.Jobs));
        output.WriteLine($"{processes} processes x {claimsEach} claims over {instances} instances: jobs per instance {string.Join(", ", all.Select(i => i.Jobs))}");
    }
}
