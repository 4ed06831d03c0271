using Stagecraft.Pipelines;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using static Stagecraft.Sdk.Tests.Pipelines.Support.Graphs;

namespace Stagecraft.Sdk.Tests.Pipelines;

public sealed class PipelineSchedulingTests : IDisposable
{
    private static readonly TimeSpan BarrierTimeout = TimeSpan.FromSeconds(60);
    private readonly RunnerFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Independent_stages_run_concurrently()
    {
        // Each branch waits for the other to arrive: the barrier only opens if both run at the same time.
        // If they ran one after the other, the first would time out and fail instead of hanging the test.
        using var barrier = new Barrier(2);
        object Meet(string who) => barrier.SignalAndWait(BarrierTimeout) ? who : throw new TimeoutException($"{who} waited alone: stages did not run concurrently");
        var graph = Pipeline(
            "Fork",
            Stage("Source", _ => 1),
            Stage("Left", _ => Meet("left"), From<int>("Source")),
            Stage("Right", _ => Meet("right"), From<int>("Source")),
            Stage("Join", a => $"{a[0]}+{a[1]}", From<object>("Left"), From<object>("Right")));
        var runner = _fixture.CreateRunner(o => o with { MaxParallelism = 2, CacheEnabled = false });

        var result = await runner.RunAsync(graph, NoInputs);

        Assert.True(result.Succeeded, string.Join("; ", result.Stages.Values.Select(s => s.Reason)));
        Assert.Equal("left+right", result.GetOutput<string>("Join"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Concurrency_never_exceeds_MaxParallelism(int maxParallelism)
    {
        var running = 0;
        var peak = 0;
        using var gate = new SemaphoreSlim(0);
        using var arrived = new SemaphoreSlim(0);
        async Task<int> Work()
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            arrived.Release();
            await gate.WaitAsync(BarrierTimeout);
            Interlocked.Decrement(ref running);
            return now;
        }

        var stages = Enumerable.Range(0, 8).Select(i => AsyncStage($"S{i}", _ => Work())).ToArray();
        var runner = _fixture.CreateRunner(o => o with { MaxParallelism = maxParallelism, CacheEnabled = false });
        var run = runner.RunAsync(Pipeline("Wide", stages), NoInputs);

        // Fill every allowed slot, check no further stage starts meanwhile, then let stages finish one by one:
        // each finish must admit exactly one more. The peak shows the bound was reached and never exceeded.
        for (var i = 0; i < maxParallelism; i++)
        {
            Assert.True(await arrived.WaitAsync(BarrierTimeout), "the runner did not fill its parallelism");
        }

        Assert.False(await arrived.WaitAsync(TimeSpan.FromMilliseconds(200)), "a stage started beyond MaxParallelism");
        for (var done = 0; done < 8; done++)
        {
            gate.Release();
            if (done + maxParallelism < 8)
            {
                Assert.True(await arrived.WaitAsync(BarrierTimeout), "a finished stage did not free its slot");
            }
        }

        var result = await run;
        Assert.True(result.Succeeded);
        Assert.Equal(maxParallelism, peak);
    }

    [Fact]
    public async Task A_stage_starts_only_after_all_its_upstream_stages_finished()
    {
        var finished = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        object Mark(string name, params string[] upstream)
        {
            Assert.All(upstream, u => Assert.True(finished.ContainsKey(u), $"{name} started before {u} finished"));
            finished[name] = true;
            return name;
        }

        var graph = Pipeline(
            "Diamond",
            Stage("A", _ => Mark("A")),
            Stage("B", _ => Mark("B", "A"), From<object>("A")),
            Stage("C", _ => Mark("C", "A"), From<object>("A")),
            Stage("D", _ => Mark("D", "B", "C"), From<object>("B"), From<object>("C")));
        var result = await _fixture.CreateRunner(o => o with { MaxParallelism = 4 }).RunAsync(graph, NoInputs);
        Assert.True(result.Succeeded, string.Join("; ", result.Stages.Values.Select(s => s.Reason)));
    }
    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

}
