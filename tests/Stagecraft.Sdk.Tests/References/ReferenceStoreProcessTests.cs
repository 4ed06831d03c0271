using System.Globalization;
using Stagecraft.IO;
using Xunit.Abstractions;
using Stagecraft.References;
using Stagecraft.TestChild;
using Stagecraft.Testing;
using Stagecraft.Testing.References;
using static Stagecraft.Sdk.Tests.References.ReferenceProcessTestSettings;

namespace Stagecraft.Sdk.Tests.References;

/// <summary>
/// EnsureAsync across real processes: the marker re-check inside the lock (rules 2 and 3), exactly-once builds under
/// a race, and rule 1 after SIGKILLs at random points of builds and commits.
/// </summary>
public class ReferenceStoreProcessTests(ITestOutputHelper output)
{
    // ReferenceStore's log event ids: 1 = not current, waiting for the lock; 2 = reused a peer's commit.
    private const int WaitingForLockEvent = 1;
    private const int ReusedPeerCommitEvent = 2;

    [Fact]
    public Task Rule2_peer_commit_while_we_wait_for_the_lock_is_reused_and_our_build_is_never_called() =>
        PeerCommitsWhileWeWaitAsync(markerlessScrapFirst: false);

    [Fact]
    public Task Rule3_Bug_markerless_scrap_made_us_rebuild_a_peers_fresh_commit() =>
        // The seed's bug: `force or target.exists()` turned a crashed build's scrap into a forced rebuild that threw
        // away the peer's commit made while we waited.
        PeerCommitsWhileWeWaitAsync(markerlessScrapFirst: true);

    private static async Task PeerCommitsWhileWeWaitAsync(bool markerlessScrapFirst)
    {
        using var dir = new TempDirectory("refpeer");
        var root = dir.Combine("root");
        if (markerlessScrapFirst)
        {
            dir.WriteFile("root/db/scrap-of-a-killed-build.bin", "scrap");
        }

        var hold = dir.Combine("hold");
        using var peer = TestChildProcess.Start("ref-ensure", root, "db", "fp", dir.Combine("builds"), hold);
        await peer.WaitForLineAsync(l => l == "building", Generous); // the peer holds db's lock, mid-build

        var logger = new RecordingLogger();
        var store = new ReferenceStore(root, new ReferenceStoreOptions { Durability = Durability.None, LoggerFactory = logger });
        var ourBuilds = 0;
        var ensure = store.EnsureAsync("db", "fp", ReferenceStoreTests.Build("fp", () => Interlocked.Increment(ref ourBuilds)));

        // We have looked at the marker (none yet) and are about to block on the lock: now let the peer commit.
        await logger.WaitForEventAsync(WaitingForLockEvent).WaitAsync(Generous);
        await File.WriteAllTextAsync(hold, "go");
        Assert.Equal(0, await peer.WaitForExitAsync(Generous));
        Assert.Contains("done built=1", peer.StandardOutput, StringComparison.Ordinal);

        var tree = await ensure.WaitAsync(Generous);

        Assert.Equal(0, ourBuilds);
        Assert.True(logger.Saw(ReusedPeerCommitEvent));
        await ReferenceTreeContent.AssertTreeAsync(tree.FullName, "fp");
        Assert.Single(Directory.GetFiles(dir.Combine("builds")));
    }

    [Fact]
    public async Task Several_processes_ensuring_the_same_keys_build_each_key_exactly_once()
    {
        const int processes = 4;
        var keys = Enumerable.Range(0, 6).Select(i => string.Create(CultureInfo.InvariantCulture, $"db{i}")).ToArray();
        using var dir = new TempDirectory("refrace");
        var (root, builds) = (dir.Combine("root"), dir.Combine("builds"));
        using var race = ProcessRace.Start(processes, dir.Combine("go"), (i, _) => TestChildProcess.Start("ref-ensure-race", root, string.Join(',', keys), "fp", builds, i.ToString(CultureInfo.InvariantCulture)));
        await race.GoAsync(Generous);
        var exits = await Task.WhenAll(race.Children.Select(c => c.WaitForExitAsync(Generous)));
        for (var i = 0; i < processes; i++)
        {
            Assert.True(exits[i] == 0, $"child {i} exited {exits[i]}: {race.Children[i].StandardError}");
        }

        var buildsPerKey = Directory.GetFiles(builds).Select(f => Path.GetFileName(f).Split('@')[0]).CountBy(k => k).ToDictionary();
        Assert.Equal(keys.ToDictionary(k => k, _ => 1), buildsPerKey);
        foreach (var key in keys)
        {
            await ReferenceTreeContent.AssertTreeAsync(Path.Combine(root, key), "fp");
        }
    }

    [Fact]
    public async Task Rule1_sigkill_at_random_points_of_builds_and_commits_never_leaves_a_marker_over_a_wrong_tree()
    {
        // Several churning processes share the root, so kills also land while another process waits for or holds a lock.
        var kills = KillRounds.Iterations(40);
        const int keyCount = 4;
        const int seed = 20261121;
        using var dir = new TempDirectory("refkill");
        var root = dir.Combine("root");
        var violations = new List<string>();
        var (markedChecked, stagingLeft, asidesLeft) = (0, 0, 0);

        var finishedEarly = await KillRounds.RunAsync(
            kills,
            lanes: 3,
            (_, _) => TestChildProcess.Start("ref-ensure-churn", root, keyCount.ToString(CultureInfo.InvariantCulture)),
            maxDelay: TimeSpan.FromMilliseconds(150),
            round =>
            {
                violations.AddRange(ReferenceTreeContent.FindRule1Violations(root).Select(v => $"after round {round}: {v}"));
                markedChecked += Directory.EnumerateDirectories(root).Count(d => File.Exists(Path.Combine(d, ReferenceFileNames.Marker)));
                var hidden = Directory.EnumerateDirectories(root, ".*").Select(Path.GetFileName).ToList();
                stagingLeft += hidden.Count(n => n!.Contains(".stagecraft-staging-", StringComparison.Ordinal));
                asidesLeft += hidden.Count(n => n!.Contains(".stagecraft-aside-", StringComparison.Ordinal) || n!.Contains(".stagecraft-trash-", StringComparison.Ordinal));
                return Task.CompletedTask;
            },
            seed,
            Generous);

        // A surviving store repairs whatever the kills left and still builds correctly.
        var store = new ReferenceStore(root, new ReferenceStoreOptions { Durability = Durability.None });
        for (var k = 0; k < keyCount; k++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"key{k}");
            await store.EnsureAsync(key, "final", ReferenceStoreTests.Build("final"));
            await ReferenceTreeContent.AssertTreeAsync(Path.Combine(root, key), "final");
        }

        Assert.Empty(Directory.EnumerateDirectories(root, ".*"));
        output.WriteLine($"{kills} SIGKILLs during EnsureAsync churn (seed {seed}): {markedChecked} marked trees checked, " +
                         $"{stagingLeft} killed mid-build, {asidesLeft} killed mid-replace, {finishedEarly} exited early; {violations.Count} violations.");
        Assert.Empty(violations);
        Assert.True(markedChecked > 0, "the kills never landed after a commit; the test checked nothing");
    }
}
