using Experiment;
using Stagecraft.Local.Pipelines;
using Stagecraft.Pipelines;
using Stagecraft.Signals;
using Xunit;

namespace Experiment.Tests;

public sealed class PipelineTests : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "experiment-tests-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task The_pipeline_succeeds_and_a_second_run_is_served_from_the_cache()
    {
        var measurements = new CsvSignal(Path.Combine(AppContext.BaseDirectory, "data", "measurements.csv"));
        var first = await ExperimentPipeline.RunAsync(LocalPipelineRunner.Create(_store), measurements);
        var second = await ExperimentPipeline.RunAsync(LocalPipelineRunner.Create(_store), measurements);

        Assert.True(first.Succeeded);
        Assert.True(ExperimentPipeline.Outputs.Evaluate(first).Accuracy > 0.8);
        Assert.All(second.Stages.Values, stage => Assert.Equal(StageStatus.Cached, stage.Status));
    }

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }
}
