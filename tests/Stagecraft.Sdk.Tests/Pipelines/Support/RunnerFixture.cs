using Stagecraft.Pipelines;
using Stagecraft.Storage;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.Pipelines.Support;

/// <summary>A temp directory holding a storage root and stage work directories, and runners over them.</summary>
internal sealed class RunnerFixture : IDisposable
{
    public RunnerFixture(IObjectStorage? storage = null)
    {
        Storage = storage ?? TestStorage.Create(Temp.Combine("store"));
    }

    public TempDirectory Temp { get; } = new("pipelines");

    public IObjectStorage Storage { get; }

    public PipelineRunner CreateRunner(Func<PipelineRunnerOptions, PipelineRunnerOptions>? configure = null)
    {
        var options = new PipelineRunnerOptions
        {
            Storage = Storage,
            WorkDirectory = Temp.Combine("work"),
            MaxParallelism = 4,
            RecordFlushInterval = TimeSpan.FromMilliseconds(50),
        };
        return new PipelineRunner(configure?.Invoke(options) ?? options);
    }

    public void Dispose() => Temp.Dispose();
}
