namespace Experiment;

/// <summary>Prints one line per stage as the runner reports it, and counts what ran and what came from the cache.</summary>
public sealed class ProgressView : IProgress<PipelineEvent>
{
    public int Ran { get; private set; }

    public int Cached { get; private set; }

    public void Report(PipelineEvent value)
    {
        ArgumentNullException.ThrowIfNull(value);
        switch (value.Kind)
        {
            case PipelineEventKind.RunStarted:
                Console.WriteLine($"run {value.RunId} ({value.Pipeline})");
                break;
            case PipelineEventKind.StageStarted:
                Console.WriteLine($"  started   {value.Stage}");
                break;
            case PipelineEventKind.StageSucceeded:
                Ran++;
                Console.WriteLine($"  succeeded {value.Stage} in {value.Duration?.TotalMilliseconds:0} ms");
                break;
            case PipelineEventKind.StageCached:
                Cached++;
                Console.WriteLine($"  cached    {value.Stage} (from run {value.CachedFromRunId})");
                break;
            case PipelineEventKind.StageFailed:
            case PipelineEventKind.StageSkipped:
            case PipelineEventKind.StageCancelled:
                Console.WriteLine($"  {value.Kind,-9} {value.Stage}: {value.Reason}");
                break;
            case PipelineEventKind.RunFinished:
                Console.WriteLine($"{value.RunStatus}: {Ran} stage(s) ran, {Cached} served from the cache");
                break;
        }
    }
}
