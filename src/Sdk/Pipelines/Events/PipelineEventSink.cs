using Microsoft.Extensions.Logging;

namespace Stagecraft.Pipelines;

/// <summary>
/// Delivers one run's events to the runner's and the run's <see cref="IProgress{T}"/> sinks one at a time, so
/// handlers need no locking and see events in order; a throwing handler is logged and never fails the run.
/// </summary>
internal sealed class PipelineEventSink(string pipeline, string runId, TimeProvider timeProvider, ILogger logger, IProgress<PipelineEvent>? runnerProgress, IProgress<PipelineEvent>? runProgress)
{
    private readonly Lock _lock = new();

    /// <summary>An event of the run itself, stamped now.</summary>
    public PipelineEvent RunEvent(PipelineEventKind kind) =>
        new() { Kind = kind, RunId = runId, Pipeline = pipeline, Timestamp = timeProvider.GetUtcNow() };

    /// <summary>An event of one stage, stamped now.</summary>
    public PipelineEvent StageEvent(PipelineEventKind kind, string stage) => RunEvent(kind) with { Stage = stage };

    /// <summary>Turns a stage's <see cref="StageContext.Progress"/> reports into <see cref="PipelineEventKind.StageProgress"/> events.</summary>
    public IProgress<double> StageProgress(string stage) => new StageProgressReporter(this, stage);

    public void Emit(PipelineEvent e)
    {
        if (runnerProgress is null && runProgress is null)
        {
            return;
        }

        lock (_lock)
        {
            try
            {
                runnerProgress?.Report(e);
                runProgress?.Report(e);
            }
#pragma warning disable CA1031 // A broken progress display must not fail the pipeline.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                PipelineLog.ProgressHandlerFailed(logger, ex);
            }
        }
    }

    private sealed class StageProgressReporter(PipelineEventSink sink, string stage) : IProgress<double>
    {
        public void Report(double value) =>
            sink.Emit(sink.StageEvent(PipelineEventKind.StageProgress, stage) with { Progress = Math.Clamp(value, 0, 1) });
    }
}
