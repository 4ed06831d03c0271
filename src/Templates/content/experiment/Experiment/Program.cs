using Experiment;

// dotnet run                  runs the pipeline; run it again and every stage comes from the cache
// dotnet run -- resume RUN    resumes a failed or interrupted run under the same id
// Outputs, the cache and run records live in ./.stagecraft/storage
//   (inspect them with: stagecraft runs list --storage .stagecraft/storage).
var view = new ProgressView();
var runner = LocalPipelineRunner.Create(options => options with { Progress = view });

PipelineRunResult result;
if (args is ["resume", var runId])
{
    result = await runner.ResumeAsync(ExperimentPipeline.Graph, runId);
}
else
{
    var measurements = new CsvSignal(Path.Combine(AppContext.BaseDirectory, "data", "measurements.csv"));
    result = await ExperimentPipeline.RunAsync(runner, measurements);
}

if (!result.Succeeded)
{
    Console.WriteLine($"Run {result.RunId} failed. Fix the stage, then: dotnet run -- resume {result.RunId}");
    return 1;
}

var evaluation = ExperimentPipeline.Outputs.Evaluate(result);
Console.WriteLine($"accuracy {evaluation.Accuracy:P1} ({evaluation.Correct}/{evaluation.Rows} held-out rows)");
return 0;
