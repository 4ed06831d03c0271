using System.Globalization;
using Stagecraft.Pipelines;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using Stagecraft.Signals;
using Stagecraft.Testing;
using Stagecraft.TestChild;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>
/// A run SIGKILLed while storing a stage's output must never leave a cache entry a later run trusts: the
/// completion marker is written last (the seed systems' "marker present ⇒ content complete" invariant).
/// </summary>
public sealed class PipelineCrashSafetyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>Kill points cycle through: run to completion, before each output file, and before the cache entry.</summary>
    public static TheoryData<int> KillPoints()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("STAGECRAFT_CRASH_ITERATIONS"), CultureInfo.InvariantCulture, out var n) ? n : PipelineCrashCommands.FileCount + 2;
        var data = new TheoryData<int>();
        for (var i = 0; i < iterations; i++)
        {
            data.Add(i % (PipelineCrashCommands.FileCount + 2));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KillPoints))]
    public async Task A_run_killed_before_its_cache_entry_is_written_is_recomputed_never_half_trusted(int hangBeforeWrite)
    {
        using var temp = new TempDirectory("crash");
        var storageRoot = temp.Combine("store");
        using (var child = TestChildProcess.Start("pipeline-crash", storageRoot, temp.Combine("work-child"), hangBeforeWrite.ToString(CultureInfo.InvariantCulture)))
        {
            if (hangBeforeWrite == 0)
            {
                Assert.Equal(0, await child.WaitForExitAsync(Timeout));
            }
            else
            {
                await child.WaitForLineAsync(line => line.StartsWith("hanging before ", StringComparison.Ordinal), Timeout);
                child.Kill();
                await child.WaitForExitAsync(Timeout);
            }
        }

        var storage = TestStorage.Create(storageRoot);
        var entries = new List<string>();
        await foreach (var entry in storage.ListAsync(PipelinePaths.CachePrefix("CrashSafety")))
        {
            entries.Add(entry.Object!.Key);
        }

        // The invariant itself: a killed run left no marker (readers' integrity checks would otherwise hide a marker-first bug).
        Assert.Equal(hangBeforeWrite == 0 ? 1 : 0, entries.Count);

        var runner = new PipelineRunner(new PipelineRunnerOptions { Storage = storage, WorkDirectory = temp.Combine("work") });
        var invocations = 0;

        var result = await runner.RunAsync(PipelineCrashCommands.CreateGraph(() => Interlocked.Increment(ref invocations)), Graphs.NoInputs);

        var stage = result.Stages[PipelineCrashCommands.StageName];
        if (hangBeforeWrite == 0)
        {
            Assert.Equal(StageStatus.Cached, stage.Status);
            Assert.Equal(PipelineCrashCommands.RunId, stage.CachedFromRunId);
            Assert.Equal(0, invocations);
        }
        else
        {
            Assert.Equal(StageStatus.Succeeded, stage.Status);
            Assert.Equal(1, invocations);
            var killed = await runner.GetRunRecordAsync(PipelineCrashCommands.RunId);
            Assert.Equal(PipelineRunStatus.Running, killed.Status);
            Assert.NotEqual(StageStatus.Succeeded, killed.GetStage(PipelineCrashCommands.StageName)!.Status);

            // The killed run itself can be resumed under its id; its stage is now answered by the cache entry
            // the run above wrote, so nothing executes again.
            var resumed = await runner.ResumeAsync(PipelineCrashCommands.CreateGraph(() => Interlocked.Increment(ref invocations)), PipelineCrashCommands.RunId);
            Assert.True(resumed.Succeeded);
            Assert.Equal(result.RunId, resumed.Stages[PipelineCrashCommands.StageName].CachedFromRunId);
            Assert.Equal(1, invocations);
            var record = await runner.GetRunRecordAsync(PipelineCrashCommands.RunId);
            Assert.Equal((PipelineRunStatus.Succeeded, 2), (record.Status, record.Attempt));
        }

        // Whatever path was taken, the output is complete and byte-exact.
        var output = Assert.IsType<DirectorySignal>(stage.Output);
        Assert.Equal(Enumerable.Range(0, PipelineCrashCommands.FileCount).Select(PipelineCrashCommands.ShardName), output.EnumerateRelativeFilePaths());
        for (var i = 0; i < PipelineCrashCommands.FileCount; i++)
        {
            Assert.Equal(PipelineCrashCommands.ShardContent(i), await File.ReadAllBytesAsync(output.GetFilePath(PipelineCrashCommands.ShardName(i))));
        }
    }
}
