using Stagecraft.Pipelines;
using Stagecraft.Sdk.Tests.Pipelines.Generated;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using static Stagecraft.Sdk.Tests.Pipelines.Support.Graphs;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>
/// Outputs come back from storage exactly as the stage returned them, or the stage fails before anything is cached:
/// an output stored as <c>{}</c> gives every later run the same fingerprint and the previous input's results.
/// </summary>
public sealed class PipelineOutputRoundTripTests : IDisposable
{
    private readonly RunnerFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Public_field_outputs_are_stored_whole_so_a_changed_input_gives_the_new_results()
    {
        var runner = _fixture.CreateRunner();

        var first = await TrainingOutputs.RunAsync(runner, [1.0, 2.0, 3.0]);
        var second = await TrainingOutputs.RunAsync(runner, [10.0, 20.0, 30.0, 40.0]);

        Assert.True(first.Succeeded, Reasons(first));
        Assert.True(second.Succeeded, Reasons(second));
        var weights = TrainingOutputs.Outputs.Fit(second);
        Assert.Equal([100.0, 4.0], weights.W);
        Assert.Equal(25.0, weights.Bias);

        // Downstream stages re-ran on the new weights instead of keeping a fingerprint taken over "{}".
        Assert.Equal(StageStatus.Succeeded, second.Stages["Score"].Status);
        Assert.Equal((2.5, 96.0), TrainingOutputs.Outputs.Score(second));
        var record = await runner.GetRunRecordAsync(second.RunId);
        Assert.NotEqual(
            (await runner.GetRunRecordAsync(first.RunId)).GetStage("Fit")!.Output!.Fingerprint,
            record.GetStage("Fit")!.Output!.Fingerprint);
    }

    [Fact]
    public async Task Tuple_outputs_are_stored_whole_so_a_changed_input_gives_the_new_results()
    {
        var runner = _fixture.CreateRunner();
        await TrainingOutputs.RunAsync(runner, [1.0, 2.0, 3.0]);

        // A fresh runner over the same storage reads every cached value back from storage, not from memory.
        var again = await TrainingOutputs.RunAsync(_fixture.CreateRunner(), [1.0, 2.0, 3.0]);
        var changed = await TrainingOutputs.RunAsync(_fixture.CreateRunner(), [7.0, 9.0]);

        Assert.All(again.Stages.Values, s => Assert.Equal(StageStatus.Cached, s.Status));
        Assert.Equal((0.2, 3.0), TrainingOutputs.Outputs.Score(again));
        Assert.Equal(StageStatus.Succeeded, changed.Stages["Score"].Status);
        Assert.Equal((0.8, 14.0), TrainingOutputs.Outputs.Score(changed));
        Assert.Equal(Verdict.Good, TrainingOutputs.Outputs.Judge(changed)["accuracy"]);
    }

    [Fact]
    public async Task NaN_and_infinite_losses_are_results_not_failures_and_a_changed_input_gives_the_new_results()
    {
        var runner = _fixture.CreateRunner();

        var diverged = await TrainingOutputs.RunAsync(runner, [300.0, 500.0]);
        var cached = await TrainingOutputs.RunAsync(_fixture.CreateRunner(), [300.0, 500.0]);
        var healthy = await TrainingOutputs.RunAsync(runner, [1.0, 3.0]);

        Assert.True(diverged.Succeeded, Reasons(diverged));
        var report = TrainingOutputs.Outputs.Diverge(diverged);
        Assert.True(double.IsNaN(report.Loss));
        Assert.Equal([400.0, double.PositiveInfinity, double.NegativeInfinity], report.History);
        Assert.Equal(StageStatus.Cached, cached.Stages["Diverge"].Status);
        Assert.True(double.IsNaN(TrainingOutputs.Outputs.Diverge(cached).Loss));
        Assert.Equal([400.0, double.PositiveInfinity, double.NegativeInfinity], TrainingOutputs.Outputs.Diverge(cached).History);
        Assert.Equal(Verdict.Poor, TrainingOutputs.Outputs.Judge(cached)["loss"]);
        Assert.Equal(new TrainingReport(2.0, [2.0, 0, 0]).Loss, TrainingOutputs.Outputs.Diverge(healthy).Loss);
        Assert.Equal(Verdict.Good, TrainingOutputs.Outputs.Judge(healthy)["loss"]);
    }

    [Fact]
    public async Task An_output_that_does_not_round_trip_fails_its_stage_naming_the_member_and_caches_nothing()
    {
        var calls = 0;
        var graph = Pipeline(
            "Lossy",
            Stage("Make", _ => new GetOnly(Interlocked.Increment(ref calls))),
            Stage("Use", a => ((GetOnly)a[0]!).Value, From<GetOnly>("Make")));
        var runner = _fixture.CreateRunner();

        var result = await runner.RunAsync(graph, NoInputs);

        var make = result.Stages["Make"];
        Assert.Equal(StageStatus.Failed, make.Status);
        var error = Assert.IsType<PipelineValueRoundTripException>(make.Error);
        Assert.Equal("$.Value", error.MemberPath);
        Assert.Equal(typeof(GetOnly), error.ValueType);
        Assert.Contains("stage 'Make'", error.Message, StringComparison.Ordinal);
        Assert.Equal(StageStatus.Skipped, result.Stages["Use"].Status);
        Assert.Empty(await KeysAsync(PipelinePaths.RootPrefix));
        Assert.Empty(await KeysAsync($"runs/{result.RunId}/outputs/"));

        // Nothing was cached, so the next run runs the stage again rather than trusting a half-stored value.
        await runner.RunAsync(graph, NoInputs);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task An_object_the_serializer_writes_no_member_of_fails_instead_of_being_stored_as_an_empty_object()
    {
        var graph = Pipeline("Opaque", Stage("Make", _ => new PrivateState(3)));

        var result = await _fixture.CreateRunner().RunAsync(graph, NoInputs);

        var error = Assert.IsType<PipelineValueRoundTripException>(result.Stages["Make"].Error);
        Assert.Contains("_secret", error.Message, StringComparison.Ordinal);
        Assert.Empty(await KeysAsync(PipelinePaths.RootPrefix));
    }

    [Fact]
    public async Task A_pipeline_input_that_does_not_round_trip_is_refused_before_anything_is_written()
    {
        var graph = Pipeline("LossyInput", Stage("Read", a => ((GetOnly)a[0]!).Value, Input<GetOnly>("settings")));

        await Assert.ThrowsAsync<PipelineValueRoundTripException>(() =>
            _fixture.CreateRunner().RunAsync(graph, new Dictionary<string, object?> { ["settings"] = new GetOnly(4) }));

        Assert.Empty(await KeysAsync(""));
    }

    [Fact]
    public async Task A_stage_returning_null_for_a_non_nullable_output_fails_naming_the_stage()
    {
        var graph = Pipeline(
            "Nulls",
            new StageDescriptor("Missing", null, "c1", typeof(Weights), [], _ => new ValueTask<object?>((object?)null)),
            new StageDescriptor("Optional", null, "c2", typeof(Weights), [], _ => new ValueTask<object?>((object?)null)) { OutputNullable = true });

        var result = await _fixture.CreateRunner().RunAsync(graph, NoInputs);

        var error = Assert.IsType<StageOutputNullException>(result.Stages["Missing"].Error);
        Assert.Equal("Missing", error.Stage);
        Assert.Contains("Stage 'Missing' returned null", error.Message, StringComparison.Ordinal);
        Assert.Equal(StageStatus.Succeeded, result.Stages["Optional"].Status);
        Assert.Null(result.Stages["Optional"].Output);
    }

    private static string Reasons(PipelineRunResult result) => string.Join("; ", result.Stages.Values.Select(s => $"{s.Stage}: {s.Status} {s.Reason}"));

    private async Task<List<string>> KeysAsync(string prefix)
    {
        var keys = new List<string>();
        await foreach (var entry in _fixture.Storage.ListAsync(prefix))
        {
            if (entry.Object is { } obj)
            {
                keys.Add(obj.Key);
            }
        }

        return keys;
    }

    /// <summary>A get-only property no constructor parameter sets: written, but never read back.</summary>
    public sealed class GetOnly
    {
        public GetOnly()
        {
        }

        public GetOnly(int value) => Value = value;

        public int Value { get; }
    }

    /// <summary>State the serializer cannot see at all.</summary>
    public sealed class PrivateState(int secret)
    {
        private readonly int _secret = secret;

        public override string ToString() => _secret.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
