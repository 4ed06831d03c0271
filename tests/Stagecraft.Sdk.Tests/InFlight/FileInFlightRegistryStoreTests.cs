using Stagecraft.InFlight;
using Stagecraft.IO;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.InFlight;

public class FileInFlightRegistryStoreTests
{
    private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("STAGECRAFT_RACE_ITERATIONS"), out var n) && n > 0 ? n : 1;

    [Fact]
    public async Task A_missing_registry_reads_as_empty()
    {
        using var dir = new TempDirectory("registry");
        var store = new FileInFlightRegistryStore(dir.Combine("sub", "inflight.json"));
        Assert.Empty((await store.ReadAsync()).Entries);
    }

    [Fact]
    public async Task The_document_round_trips_as_one_json_file()
    {
        using var dir = new TempDirectory("registry");
        var store = new FileInFlightRegistryStore(dir.Combine("inflight.json"), Durability.None);
        var heartbeat = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1234567);
        var entry = new InFlightEntry("job-a", "owner-1", heartbeat, InFlightEntryState.HandedOff, [new ProcessIdentity(4242, 987654, "boot", "sleep 600")], "job-a-3f9a2c11");

        await store.UpdateAsync(d => d with { Entries = [entry] });
        var back = Assert.Single((await new FileInFlightRegistryStore(store.Path).ReadAsync()).Entries);

        Assert.Equal(entry.Key, back.Key);
        Assert.Equal(heartbeat, back.Heartbeat);
        Assert.Equal(entry.Processes, back.Processes);
        Assert.Equal(entry.CommandLineMarker, back.CommandLineMarker);
        var json = await File.ReadAllTextAsync(store.Path);
        Assert.Contains("\"HandedOff\"", json, StringComparison.Ordinal);
        Assert.Contains("\"startTicks\": 987654", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("""{"v":3,"entries":[]}""")]
    [InlineData("""{"v":1}""")]
    public async Task A_corrupt_registry_is_an_error_naming_the_file(string content)
    {
        using var dir = new TempDirectory("registry");
        var path = dir.WriteFile("inflight.json", content);
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => new FileInFlightRegistryStore(path).ReadAsync());
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_update_leaves_the_document_unchanged()
    {
        using var dir = new TempDirectory("registry");
        var store = new FileInFlightRegistryStore(dir.Combine("inflight.json"), Durability.None);
        await store.UpdateAsync(d => d with { Entries = [new InFlightEntry("a", "o", DateTimeOffset.UnixEpoch, InFlightEntryState.Running, [])] });

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpdateAsync(_ => throw new InvalidOperationException("boom")));

        Assert.Equal(["a"], (await store.ReadAsync()).Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task Concurrent_writer_processes_never_lose_an_entry_even_when_one_is_killed_mid_write()
    {
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            using var dir = new TempDirectory("registry");
            var path = dir.Combine("inflight.json");
            const int Writers = 3;
            const int PerWriter = 15;
            var writers = Enumerable.Range(0, Writers)
                .Select(i => TestChildProcess.Start("registry-writer", path, $"w{i}", PerWriter.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                .ToList();
            using var victim = TestChildProcess.Start("registry-writer", path, "victim", "100000");
            try
            {
                await victim.WaitForLineAsync(l => l == "wrote 5", TimeSpan.FromSeconds(90));
                victim.Kill(); // SIGKILL, possibly while it holds the lock or is mid-rename

                foreach (var w in writers)
                {
                    Assert.Equal(0, await w.WaitForExitAsync(TimeSpan.FromSeconds(120)));
                }

                var doc = await new FileInFlightRegistryStore(path).ReadAsync();
                var names = doc.Entries.Select(e => e.Name).ToHashSet();
                for (var w = 0; w < Writers; w++)
                {
                    for (var i = 0; i < PerWriter; i++)
                    {
                        Assert.Contains($"w{w}-{i}", names);
                    }
                }

                // Every entry the victim reported as written is durable too.
                var reported = victim.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("wrote ", StringComparison.Ordinal));
                Assert.True(doc.Entries.Count(e => e.OwnerId == "victim") >= reported);
            }
            finally
            {
                writers.ForEach(w => w.Dispose());
            }
        }
    }

    [Fact]
    public async Task A_version_1_registry_still_reads_and_is_rewritten_as_the_current_version()
    {
        using var dir = new TempDirectory("registry");
        var path = dir.WriteFile("inflight.json", """{"v":1,"entries":[{"name":"a","owner":"o","heartbeat":"2026-01-01T00:00:00+00:00","state":"HandedOff","processes":[]}]}""");
        var store = new FileInFlightRegistryStore(path);

        var entry = Assert.Single((await store.ReadAsync()).Entries);
        Assert.Equal(("a", null, null), (entry.Name, entry.BackendRun, entry.OwnerProcess));

        await store.UpdateAsync(d => d);
        Assert.Equal(InFlightRegistryDocument.CurrentVersion, (await store.ReadAsync()).Version);
        Assert.Contains("\"v\": 2", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
    }
}
