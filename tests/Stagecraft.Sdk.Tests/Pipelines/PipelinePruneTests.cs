using System.Globalization;
using System.Text;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Sdk.Tests.Pipelines.Generated;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using Stagecraft.Signals;
using Stagecraft.Storage;
using Stagecraft.TestChild;
using Stagecraft.Testing;
using Stagecraft.Testing.References;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>Storage grew by every run's inputs and outputs with no way to remove any: <see cref="PipelineRunner.PruneAsync"/>.</summary>
public sealed class PipelinePruneTests : IDisposable
{
    private readonly RunnerFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Keeping_the_newest_runs_removes_the_older_runs_their_cache_entries_and_the_content_only_they_referenced()
    {
        var runner = _fixture.CreateRunner();
        var runs = await RunManyAsync(runner, 4);
        var oldInput = (await runner.GetRunRecordAsync(runs[0])).Inputs.Single().Value.Objects.Single();
        var progress = new RecordingPruneProgress();

        var result = await runner.PruneAsync(new PruneOptions { KeepLatest = 2, ContentGracePeriod = TimeSpan.Zero, Progress = progress });

        Assert.Equal(runs[..2].Order(StringComparer.Ordinal), result.RemovedRuns.Order(StringComparer.Ordinal));
        Assert.Equal(2, result.KeptRuns);
        Assert.Equal(6, result.RemovedCacheEntries);
        Assert.True(result.RemovedContentObjects >= 2, $"removed {result.RemovedContentObjects} objects");
        await Assert.ThrowsAsync<PipelineRunNotFoundException>(() => runner.GetRunRecordAsync(runs[0]));
        await foreach (var left in _fixture.Storage.ListAsync(new RunPaths(runs[0]).Root))
        {
            Assert.Fail($"removed run left {left.Object?.Key}");
        }

        Assert.Null(await _fixture.Storage.StatAsync(oldInput.Key));
        Assert.Equal(PipelineRunStatus.Succeeded, (await runner.GetRunRecordAsync(runs[3])).Status);
        await AssertEveryReferenceResolvesAsync(runner, _fixture.Storage);
        await AssertNoUnreferencedContentAsync(runner, _fixture.Storage);
        Assert.Contains(progress.Reports, p => p.Phase == PrunePhase.SweepingContent && p.Completed == p.Total);

        // The kept runs are still fully cached.
        var again = await ExamScores.RunAsync(runner, new CsvSignal(_fixture.Temp.Combine("in3", "exams.csv")));
        Assert.All(again.Stages.Values, s => Assert.Equal(StageStatus.Cached, s.Status));
    }

    [Fact]
    public async Task Content_a_remaining_cache_entry_or_a_running_run_references_and_young_content_are_never_removed()
    {
        var runner = _fixture.CreateRunner();
        var runs = await RunManyAsync(runner, 3);

        // The oldest run looks as if it were still running.
        var stored = (await runner.Records.TryReadAsync(runs[0], CancellationToken.None))!;
        await runner.Records.WriteAsync(stored.Record with { Status = PipelineRunStatus.Running }, stored.Generation, CancellationToken.None);

        var young = await runner.PruneAsync(new PruneOptions { KeepLatest = 0, RemoveCacheEntriesOfRemovedRuns = false });
        Assert.Equal(runs[1..].Order(StringComparer.Ordinal), young.RemovedRuns.Order(StringComparer.Ordinal));
        Assert.Equal(0, young.RemovedContentObjects);
        Assert.True(young.UnreferencedContentKept > 0);
        Assert.Equal(PipelineRunStatus.Running, (await runner.GetRunRecordAsync(runs[0])).Status);

        var old = await runner.PruneAsync(new PruneOptions { KeepLatest = 0, RemoveCacheEntriesOfRemovedRuns = false, ContentGracePeriod = TimeSpan.Zero });
        Assert.Empty(old.RemovedRuns);
        await AssertEveryReferenceResolvesAsync(runner, _fixture.Storage);
        await AssertNoUnreferencedContentAsync(runner, _fixture.Storage);

        // Only the removed runs' inputs went: their outputs are what the cache entries answer with.
        var again = await ExamScores.RunAsync(runner, new CsvSignal(_fixture.Temp.Combine("in2", "exams.csv")));
        Assert.All(again.Stages.Values, s => Assert.Equal(StageStatus.Cached, s.Status));
    }

    [Fact]
    public async Task A_run_that_reuses_content_a_concurrent_prune_removes_stores_it_again_so_its_references_resolve()
    {
        var pruner = _fixture.CreateRunner();
        var first = (await RunManyAsync(pruner, 1))[0];
        var input = _fixture.Temp.Combine("in0", "exams.csv");
        var pruned = false;

        // The second run finds the input already stored; before it publishes its first record, a prune removes the
        // first run (and with it the only reference to that input's content) and sweeps.
        var racing = new InterceptingStorage(_fixture.Storage, key =>
        {
            if (!pruned && key.EndsWith("/pipeline.json", StringComparison.Ordinal) && !key.Contains(first, StringComparison.Ordinal))
            {
                pruned = true;
                var result = pruner.PruneAsync(new PruneOptions { KeepLatest = 0, ContentGracePeriod = TimeSpan.Zero }).GetAwaiter().GetResult();
                Assert.Equal(first, Assert.Single(result.RemovedRuns));
            }
        });
        var runner = _fixture.CreateRunner(o => o with { Storage = racing });

        var second = await ExamScores.RunAsync(runner, new CsvSignal(input));

        Assert.True(pruned);
        Assert.True(second.Succeeded);
        await AssertEveryReferenceResolvesAsync(runner, _fixture.Storage);
    }

    [Fact]
    public async Task Only_one_prune_works_on_a_store_and_a_dead_prunes_lock_is_taken_over()
    {
        var runner = _fixture.CreateRunner();
        var staleAfter = TimeSpan.FromSeconds(1);
        var held = await PruneLock.AcquireAsync(_fixture.Storage, "other-host", staleAfter, TimeProvider.System, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<PruneInProgressException>(() => runner.PruneAsync(new PruneOptions { KeepLatest = 1, StaleLockAfter = staleAfter }));
        Assert.Contains("other-host", refused.Message, StringComparison.Ordinal);

        // The holder dies (never renews, never releases): after the stale interval the lock is taken over.
        await Task.Delay(staleAfter + TimeSpan.FromMilliseconds(200));
        var result = await runner.PruneAsync(new PruneOptions { KeepLatest = 1, StaleLockAfter = staleAfter });
        Assert.Empty(result.RemovedRuns);
        await Assert.ThrowsAsync<PruneInProgressException>(() => held.RenewIfDueAsync(CancellationToken.None));
        Assert.Null(await _fixture.Storage.StatAsync(PipelinePaths.PruneLock));
    }

    [Fact]
    public async Task A_dry_run_changes_nothing_takes_no_lock_and_reports_exactly_what_the_prune_then_removes()
    {
        var runner = _fixture.CreateRunner();
        var runs = await RunManyAsync(runner, 4);
        var before = await SnapshotAsync(_fixture.Storage);

        // While another prune holds the lock a dry run still answers: it takes no lock and writes nothing.
        var now = DateTimeOffset.UtcNow;
        await _fixture.Storage.PutAsync(PipelinePaths.PruneLock, new MemoryStream(Encoding.UTF8.GetBytes($$"""{"owner":"o","host":"h","startedAt":"{{now:O}}","renewedAt":"{{now:O}}"}""")));
        var options = new PruneOptions { KeepLatest = 2, ContentGracePeriod = TimeSpan.Zero };
        var plan = await runner.PruneAsync(options with { DryRun = true });
        await Assert.ThrowsAsync<PruneInProgressException>(() => runner.PruneAsync(options));
        await _fixture.Storage.DeleteAsync(PipelinePaths.PruneLock);
        Assert.Equal(before, await SnapshotAsync(_fixture.Storage));

        var result = await runner.PruneAsync(options);

        Assert.True(plan.DryRun);
        Assert.False(result.DryRun);
        Assert.Equal(runs[..2].Order(StringComparer.Ordinal), plan.RemovedRuns.Order(StringComparer.Ordinal));
        Assert.Equal(result.RemovedRuns.Order(StringComparer.Ordinal), plan.RemovedRuns.Order(StringComparer.Ordinal));
        Assert.Equal(
            (result.KeptRuns, result.RemovedCacheEntries, result.RemovedContentObjects, result.RemovedContentBytes, result.UnreferencedContentKept),
            (plan.KeptRuns, plan.RemovedCacheEntries, plan.RemovedContentObjects, plan.RemovedContentBytes, plan.UnreferencedContentKept));
        Assert.True(plan.RemovedContentObjects > 0);
        Assert.Empty(plan.AbandonedRuns);
    }

    [Fact]
    public async Task Prune_options_without_a_rule_or_with_a_negative_value_are_refused_naming_the_option()
    {
        var runner = _fixture.CreateRunner();
        Assert.Contains("OlderThan, KeepLatest", (await Assert.ThrowsAsync<ArgumentException>(() => runner.PruneAsync(new PruneOptions()))).Message, StringComparison.Ordinal);
        Assert.Contains("KeepLatest", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => runner.PruneAsync(new PruneOptions { KeepLatest = -1 }))).Message, StringComparison.Ordinal);
        Assert.Contains("ContentGracePeriod", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => runner.PruneAsync(new PruneOptions { KeepLatest = 1, ContentGracePeriod = TimeSpan.FromSeconds(-1) }))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_older_than_a_date_are_removed_per_pipeline_filter()
    {
        var runner = _fixture.CreateRunner();
        var runs = await RunManyAsync(runner, 2);
        var cutoff = (await runner.GetRunRecordAsync(runs[1])).StartedAt;

        Assert.Empty((await runner.PruneAsync(new PruneOptions { OlderThan = cutoff, Pipeline = "SomeOtherPipeline" })).RemovedRuns);
        var result = await runner.PruneAsync(new PruneOptions { OlderThan = cutoff, Pipeline = ExamScores.Graph.Name });

        Assert.Equal(runs[0], Assert.Single(result.RemovedRuns));
        Assert.Equal(1, result.KeptRuns);
    }

    [Fact]
    public async Task A_prune_killed_at_random_points_leaves_no_dangling_reference_and_the_next_prune_finishes_its_work()
    {
        var runner = _fixture.CreateRunner();
        const int runCount = 12;
        await RunManyAsync(runner, runCount);
        var storageRoot = _fixture.Temp.Combine("store");
        var kills = KillRounds.Iterations(6);

        var finishedEarly = await KillRounds.RunAsync(
            kills,
            lanes: 1,
            (round, _) => TestChildProcess.Start("pipeline-prune", storageRoot, _fixture.Temp.Combine("work-prune"), Math.Max(1, runCount - (2 * (round + 1))).ToString(CultureInfo.InvariantCulture), "100"),
            maxDelay: PipelinePruneCommands.StaleLockAfter + TimeSpan.FromMilliseconds(500),
            async _ => await AssertEveryReferenceResolvesAsync(runner, _fixture.Storage),
            seed: 1206,
            timeout: TimeSpan.FromSeconds(120));

        // A prune that runs to the end finishes what the killed ones began and leaves no garbage.
        await Task.Delay(PipelinePruneCommands.StaleLockAfter);
        var final = await runner.PruneAsync(new PruneOptions { KeepLatest = 1, ContentGracePeriod = TimeSpan.Zero, StaleLockAfter = PipelinePruneCommands.StaleLockAfter });
        Assert.Equal(1, final.KeptRuns);
        await AssertEveryReferenceResolvesAsync(runner, _fixture.Storage);
        await AssertNoUnreferencedContentAsync(runner, _fixture.Storage);
        var folders = new List<string>();
        await foreach (var entry in _fixture.Storage.ListAsync(RunPaths.RootPrefix, new ListObjectsOptions { Delimiter = "/" }))
        {
            folders.Add(entry.Prefix!);
        }

        Assert.Single(folders);
        Assert.True(finishedEarly < kills, $"all {kills} children finished before they were killed: the kills tested nothing");
    }

    /// <summary>Runs <see cref="ExamScores"/> <paramref name="count"/> times, each with its own CSV (so its own content), oldest first.</summary>
    private async Task<string[]> RunManyAsync(PipelineRunner runner, int count)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            var path = _fixture.Temp.Combine("in" + i.ToString(CultureInfo.InvariantCulture), "exams.csv");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var csv = new StringBuilder("id,score\n");
            for (var row = 0; row <= i; row++)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{row},{(i * 10) + row}\n");
            }

            await File.WriteAllTextAsync(path, csv.ToString());
            var result = await ExamScores.RunAsync(runner, new CsvSignal(path));
            Assert.True(result.Succeeded);
            ids[i] = result.RunId;
        }

        return ids;
    }

    /// <summary>Every object of the store with its generation (what a read-only operation must leave as it was).</summary>
    private static async Task<List<string>> SnapshotAsync(IObjectStorage storage)
    {
        var objects = new List<string>();
        await foreach (var entry in storage.ListAsync(string.Empty))
        {
            objects.Add($"{entry.Object!.Key}@{entry.Object.Generation}");
        }

        return objects;
    }

    private static async Task<List<(string Source, StoredObject Object)>> ReferencesAsync(PipelineRunner runner, IObjectStorage storage)
    {
        var references = new List<(string, StoredObject)>();
        await foreach (var entry in storage.ListAsync(RunPaths.RootPrefix, new ListObjectsOptions { Delimiter = "/" }))
        {
            var runId = entry.Prefix![RunPaths.RootPrefix.Length..^1];
            if (await runner.Records.TryReadAsync(runId, CancellationToken.None) is { } stored)
            {
                var values = stored.Record.Inputs.Select(i => i.Value).Concat(stored.Record.Stages.Select(s => s.Output).OfType<StoredValue>());
                references.AddRange(values.SelectMany(v => v.Objects).Select(o => ("run " + runId, o)));
            }
        }

        await foreach (var entry in runner.Cache.ListAsync(ExamScores.Graph.Name, CancellationToken.None))
        {
            references.AddRange(entry.Entry!.Output.Objects.Select(o => ("cache entry " + entry.Key, o)));
        }

        return references;
    }

    private static async Task AssertEveryReferenceResolvesAsync(PipelineRunner runner, IObjectStorage storage)
    {
        foreach (var (source, reference) in await ReferencesAsync(runner, storage))
        {
            var info = await storage.StatAsync(reference.Key);
            Assert.True(info is not null && info.Generation == reference.Generation, $"{source} references {reference.Key} (generation {reference.Generation}), which is {(info is null ? "gone" : "generation " + info.Generation)}");
        }
    }

    private static async Task AssertNoUnreferencedContentAsync(PipelineRunner runner, IObjectStorage storage)
    {
        var referenced = (await ReferencesAsync(runner, storage)).Select(r => r.Object.Key).ToHashSet(StringComparer.Ordinal);
        await foreach (var entry in storage.ListAsync(PipelinePaths.ContentPrefix))
        {
            Assert.Contains(entry.Object!.Key, referenced);
        }
    }

    private sealed class RecordingPruneProgress : IProgress<PruneProgress>
    {
        public List<PruneProgress> Reports { get; } = [];

        public void Report(PruneProgress value) => Reports.Add(value);
    }
}
