using Stagecraft.Runs.Logs;

namespace Stagecraft.Pipelines;

/// <summary>
/// A worker stage's <see cref="StageContext.Progress"/>: each report becomes a progress control line
/// (<see cref="RunLogControlLine"/>) on the worker's stdout, so it travels to the coordinator through the run's log
/// chunks in order with the stage's other output, and the coordinator turns it back into a progress event.
/// </summary>
internal sealed class WorkerProgressWriter(TextWriter output) : IProgress<double>
{
    public void Report(double value)
    {
        if (double.IsNaN(value))
        {
            return; // Not a position; in process such a report would be clamped to nothing meaningful either.
        }

        // Console.Out is synchronised: the line never interleaves with the stage's own writes.
        output.WriteLine(RunLogControlLine.Progress(value));
        output.Flush();
    }
}
