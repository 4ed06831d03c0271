using Stagecraft.Pipelines;
using Stagecraft.Sdk.Tests.Pipelines.Generated;
using Stagecraft.Sdk.Tests.Pipelines.Support;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>The runtime driving a <c>[Pipeline]</c> class through the generator's <c>Graph</c> and <c>RunAsync</c>.</summary>
public sealed class GeneratedPipelineTests : IDisposable
{
    private readonly RunnerFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task A_generated_pipeline_runs_caches_and_reruns_only_what_an_input_change_affects()
    {
        WordStats.ResetCalls();
        var runner = _fixture.CreateRunner();

        var first = await WordStats.RunAsync(runner, "b a b c b");
        var second = await WordStats.RunAsync(runner, "b a b c b");

        Assert.True(first.Succeeded, string.Join("; ", first.Stages.Values.Select(s => s.Reason)));
        Assert.Equal(new Summary(3, "b"), WordStats.Outputs.Summarise(first));
        Assert.Equal((1, 1, 1, 1), WordStats.Calls);
        Assert.All(second.Stages.Values, s => Assert.Equal(StageStatus.Cached, s.Status));
        Assert.Equal(new Summary(3, "b"), WordStats.Outputs.Summarise(second));
        var csv = await WordStats.Outputs.Export(second).ReadAsync();
        Assert.Equal(["a", "b", "c"], csv.Rows.Select(r => r[0]));

        // Extra spaces change the input, so Tokenise re-runs; its tokens are byte-identical, so everything
        // downstream keeps its fingerprint and stays cached.
        var third = await WordStats.RunAsync(runner, "b  a b   c b");
        Assert.Equal((2, 1, 1, 1), WordStats.Calls);
        Assert.Equal(StageStatus.Succeeded, third.Stages["Tokenise"].Status);
        Assert.Equal(StageStatus.Cached, third.Stages["Count"].Status);

        // Different words: the whole chain re-runs.
        var fourth = await WordStats.RunAsync(runner, "x y y");
        Assert.Equal((3, 2, 2, 2), WordStats.Calls);
        Assert.Equal(new Summary(2, "y"), WordStats.Outputs.Summarise(fourth));
    }

    [Fact]
    public void The_generated_graph_carries_code_hashes_versions_and_bindings()
    {
        var graph = WordStats.Graph;

        Assert.Equal(["Count", "Export", "Summarise", "Tokenise"], graph.Stages.Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.Equal("Tokenise", graph.Stages[0].Name);
        Assert.Equal(graph.Stages.Length, graph.Stages.Select(s => s.CodeHash).Distinct().Count());
        Assert.Equal("2", graph["Summarise"].Version);
        Assert.Equal("text", Assert.Single(graph.Inputs).Name);
        Assert.Contains(new PipelineEdge("Tokenise", "Count", "tokens"), graph.Edges);
    }
}
