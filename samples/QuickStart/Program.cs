using System.Globalization;
using QuickStart;
using Stagecraft.Local.Pipelines;
using Stagecraft.Pipelines;
using Stagecraft.Signals;

// dotnet run --project samples/QuickStart [-- --no-cache | --invalidate <Stage> | --resume <runId>]
// Outputs, cache entries and run records go to ./.stagecraft (object storage on the local disk).
var useCache = !args.Contains("--no-cache");
var invalidate = OptionValue("--invalidate");
var resume = OptionValue("--resume");
const string ResumeCommand = "dotnet run --project samples/QuickStart -- --resume";

var output = new SampleOutput();
var view = new PipelineConsoleView(Admissions.Graph, output);
var runner = LocalPipelineRunner.Create(options => options with { CacheEnabled = useCache, MaxParallelism = 4, Progress = view });

if (invalidate is not null)
{
    try
    {
        var removed = await runner.InvalidateCacheAsync(Admissions.Graph, invalidate);
        output.Line($"Invalidated [bold]{removed}[/] cached output(s) of stage [bold]{SampleOutput.Escape(invalidate)}[/].");
    }
    catch (PipelineStageNotFoundException ex)
    {
        output.Error($"Unknown stage '{invalidate}'. Valid stages: {string.Join(", ", ex.ValidNames)}");
        return 2;
    }
}

output.Line("[bold]Stagecraft QuickStart[/]: logistic regression on exam scores ([grey]samples/QuickStart/data/exams.csv[/])");
var exams = new CsvSignal(Path.Combine(AppContext.BaseDirectory, "data", "exams.csv"));
var options = new ExperimentOptions(TestFraction: 0.25, Seed: 7, LearningRate: 0.5, Epochs: 1500, L2Penalty: 0.001);

PipelineRunResult result;
try
{
    result = await view.ShowAsync(() => resume is null
        ? Admissions.RunAsync(runner, exams, options)
        : runner.ResumeAsync(Admissions.Graph, resume));
}
catch (PipelineRunCancelledException ex)
{
    output.Error($"Run {ex.RunId} was {ex.Reason}; its finished stages are kept. Continue it with: {ResumeCommand} {ex.RunId}");
    return 130;
}
catch (PipelineRunNotFoundException ex)
{
    output.Error(ex.Message);
    return 2;
}
catch (PipelineRunOwnedException ex)
{
    output.Error(ex.Message);
    return 3;
}

output.Line("");
if (!result.Succeeded)
{
    output.Line($"[red]Run {result.RunId} failed.[/] Fix the stage, then resume it (only the failed stages and their downstream run again): {ResumeCommand} {result.RunId}");
    return 1;
}

var metrics = Admissions.Outputs.Evaluate(result);
var model = Admissions.Outputs.Train(result);
output.Table(
    ("Accuracy", metrics.Accuracy.ToString("P1", CultureInfo.InvariantCulture)),
    ("Precision", metrics.Precision.ToString("P1", CultureInfo.InvariantCulture)),
    ("Recall", metrics.Recall.ToString("P1", CultureInfo.InvariantCulture)),
    ("F1", metrics.F1.ToString("F3", CultureInfo.InvariantCulture)),
    ("Log-loss", metrics.LogLoss.ToString("F3", CultureInfo.InvariantCulture)),
    ("Training loss", model.TrainingLoss.ToString("F3", CultureInfo.InvariantCulture)));

output.Line($"Run [bold]{result.RunId}[/]: {view.Ran} stage(s) ran, {view.Cached} served from the cache.");
output.Line($"Report: {SampleOutput.Escape(Admissions.Outputs.Report(result).Path)}");
output.Line(view.Cached == result.Stages.Count
    ? "Every stage came from the cache. Edit a stage in [grey]samples/QuickStart/Admissions.cs[/] (say, Evaluate) and run again: only it and its downstream re-run."
    : "Run it again: every stage is served from the cache.");
return 0;

string? OptionValue(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
