using System.Text.Json.Nodes;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using Stagecraft.Storage;
using static Stagecraft.Sdk.Tests.Pipelines.Support.Graphs;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>The owner lease in a run record, judged by heartbeat for an owner on another host (whose process cannot be checked).</summary>
public sealed class PipelineOwnershipTests : IDisposable
{
    private readonly RunnerFixture _fixture = new();
    private bool _fail = true;

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task A_remote_owner_with_a_fresh_heartbeat_is_refused_and_a_stale_one_is_taken_over()
    {
        var runner = _fixture.CreateRunner();
        var first = await runner.RunAsync(Graph(), NoInputs, new PipelineRunOptions { RunId = "leased" });
        Assert.False(first.Succeeded);
        _fail = false;
        var seen = DateTimeOffset.UtcNow;
        await SetOwnerAsync("leased", seen);

        var refused = await Assert.ThrowsAsync<PipelineRunOwnedException>(() => runner.ResumeAsync(Graph(), "leased"));

        Assert.Equal("elsewhere:4242:beef", refused.OwnerId);
        Assert.Equal(seen, refused.LastSeen);
        Assert.Contains("elsewhere:4242:beef", refused.Message, StringComparison.Ordinal);

        await SetOwnerAsync("leased", seen - TimeSpan.FromMinutes(5));
        var resumed = await runner.ResumeAsync(Graph(), "leased");

        Assert.True(resumed.Succeeded);
        var record = await runner.GetRunRecordAsync("leased");
        Assert.Equal((PipelineRunStatus.Succeeded, 2), (record.Status, record.Attempt));
        Assert.Null(record.Owner);
    }

    [Fact]
    public async Task Invalidating_a_pipeline_or_stage_storage_has_no_cache_of_lists_the_names_it_has()
    {
        _fail = false;
        var runner = _fixture.CreateRunner();
        await runner.RunAsync(Graph(), NoInputs);

        var pipeline = await Assert.ThrowsAsync<PipelineStageNotFoundException>(() => runner.InvalidateCacheAsync("Leasing", "Step"));
        var stage = await Assert.ThrowsAsync<PipelineStageNotFoundException>(() => runner.InvalidateCacheAsync("Lease", "Stpe"));

        Assert.Equal(["Lease"], pipeline.ValidNames);
        Assert.Null(pipeline.Stage);
        Assert.Equal(["Step"], stage.ValidNames);
        Assert.Contains("has no stage 'Stpe'", stage.Message, StringComparison.Ordinal);
        Assert.Equal(1, await runner.InvalidateCacheAsync("Lease", "Step"));
    }

    private PipelineGraph Graph() => Pipeline("Lease", Stage("Step", _ => _fail ? throw new InvalidOperationException("not yet") : 1));

    /// <summary>Rewrites the stored record as if a process on another host were running the run, last seen at <paramref name="heartbeat"/>.</summary>
    private async Task SetOwnerAsync(string runId, DateTimeOffset heartbeat)
    {
        var key = PipelinePaths.PipelineRecord(runId);
        var read = await _fixture.Storage.GetAsync(key);
        JsonNode record;
        await using (read)
        {
            record = (await JsonNode.ParseAsync(read.Content))!;
        }

        record["status"] = nameof(PipelineRunStatus.Running);
        record["owner"] = new JsonObject { ["id"] = "elsewhere:4242:beef", ["host"] = "elsewhere", ["processId"] = 4242, ["heartbeat"] = heartbeat };
        using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(record.ToJsonString()));
        await _fixture.Storage.PutAsync(key, content, new PutObjectOptions { IfGenerationMatch = read.Info.Generation });
    }
}
