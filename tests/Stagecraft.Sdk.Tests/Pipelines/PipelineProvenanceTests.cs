using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using static Stagecraft.Sdk.Tests.Pipelines.Support.Graphs;

namespace Stagecraft.Sdk.Tests.Pipelines;

public sealed class PipelineProvenanceTests : IDisposable
{
    private readonly RunnerFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private static PipelineGraph Graph() => Pipeline(
        "Provenance",
        Stage("Load", a => Enumerable.Range(0, (int)a[0]!).ToArray(), "load-hash", null, Input<int>("rows")),
        Stage("Train", a => new Model(((int[])a[0]!).Sum() * (double)a[1]!), "train-hash", "3", From<int[]>("Load"), Input<double>("rate")));

    [Fact]
    public async Task The_run_record_holds_code_hashes_inputs_parameters_outputs_timings_host_and_status()
    {
        var runner = _fixture.CreateRunner(o => o with { HostName = "test-host" });
        var result = await runner.RunAsync(Graph(), new Dictionary<string, object?> { ["rows"] = 4, ["rate"] = 0.5 });

        var record = await runner.GetRunRecordAsync(result.RunId);

        Assert.Equal(result.RunId, record.RunId);
        Assert.Equal("Provenance", record.Pipeline);
        Assert.Equal(PipelineRunStatus.Succeeded, record.Status);
        Assert.Null(record.Reason);
        Assert.Equal("test-host", record.Host);
        Assert.Equal(PipelineRunner.InProcessBackend, record.Backend);
        Assert.NotNull(record.FinishedAt);
        Assert.True(record.FinishedAt >= record.StartedAt);
        Assert.Equal(["rows", "rate"], record.Inputs.Select(i => i.Name));
        Assert.Equal(0.5, record.Inputs[1].Json!.Value.GetDouble());

        var train = record.GetStage("Train")!;
        Assert.Equal(StageStatus.Succeeded, train.Status);
        Assert.Equal("train-hash", train.CodeHash);
        Assert.Equal("3", train.Version);
        Assert.Equal(result.Stages["Train"].Fingerprint, train.Fingerprint);
        Assert.Equal("test-host", train.Host);
        Assert.Equal(PipelineRunner.InProcessBackend, train.Backend);
        Assert.NotNull(train.StartedAt);
        Assert.Equal(train.StartedAt + train.Duration, train.FinishedAt);

        var load = record.GetStage("Load")!;
        var upstream = Assert.Single(train.Inputs, i => i.Kind == StageParameterKind.Upstream);
        Assert.Equal("Load", upstream.Source);
        Assert.Equal(load.Output!.Fingerprint, upstream.Fingerprint);
        var parameter = Assert.Single(train.Inputs, i => i.Kind == StageParameterKind.PipelineInput);
        Assert.Equal("rate", parameter.Source);
        Assert.Equal(0.5, parameter.Json!.Value.GetDouble());
        Assert.Equal(record.Inputs[1].Value.Fingerprint, parameter.Fingerprint);

        var output = train.Output!;
        Assert.Equal(StoredValue.JsonFormat, output.Format);
        Assert.Equal(typeof(Model).FullName, output.Type);
        var stored = Assert.Single(output.Objects);
        Assert.Equal("value.json", stored.RelativePath);
        Assert.Equal(PipelinePaths.Content(stored.Sha256), stored.Key);
        var info = (await _fixture.Storage.StatAsync(stored.Key))!;
        Assert.Equal((info.Generation, info.Size), (stored.Generation, stored.Size));
        await using (var read = await _fixture.Storage.GetAsync(stored.Key))
        {
            Assert.Equal(stored.Sha256, Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(read.Content)));
        }
    }

    [Fact]
    public async Task The_record_is_stored_at_the_run_path_and_marks_cached_stages_with_their_source_run()
    {
        var runner = _fixture.CreateRunner();
        var inputs = new Dictionary<string, object?> { ["rows"] = 3, ["rate"] = 1.0 };
        var first = await runner.RunAsync(Graph(), inputs);
        var second = await runner.RunAsync(Graph(), inputs);

        Assert.NotNull(await _fixture.Storage.StatAsync(PipelinePaths.PipelineRecord(second.RunId)));
        var record = await runner.GetRunRecordAsync(second.RunId);
        Assert.All(record.Stages, s =>
        {
            Assert.Equal(StageStatus.Cached, s.Status);
            Assert.Equal(first.RunId, s.CachedFromRunId);
            Assert.Equal($"cached output of run '{first.RunId}'", s.Reason);
        });
    }

    [Fact]
    public async Task Reading_the_record_of_an_unknown_run_throws_a_typed_exception()
    {
        var ex = await Assert.ThrowsAsync<PipelineRunNotFoundException>(() => _fixture.CreateRunner().GetRunRecordAsync("nope"));
        Assert.Equal("nope", ex.RunId);
    }

    public sealed record Model(double Weight);
}
