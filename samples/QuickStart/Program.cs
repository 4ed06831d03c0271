using System.Globalization;
using QuickStart;
using Spectre.Console;
using Stagecraft.Local.Pipelines;
using Stagecraft.Pipelines;
using Stagecraft.Signals;

// dotnet run --project samples/QuickStart [-- --no-cache | --invalidate <Stage>]
// Outputs, cache entries and run records go to ./.stagecraft (object storage on the local disk).
var useCache = !args.Contains("--no-cache");
var invalidate = args.SkipWhile(a => a != "--invalidate").Skip(1).FirstOrDefault();

var view = new PipelineConsoleView(Admissions.Graph);
var runner = LocalPipelineRunner.Create(options =>
{
    options.CacheEnabled = useCache;
    options.MaxParallelism = 4;
    options.Progress = view;
});

if (invalidate is not null)
{
    var removed = await runner.InvalidateCacheAsync(Admissions.Graph, invalidate);
    AnsiConsole.MarkupLine($"Invalidated [bold]{removed}[/] cached output(s) of stage [bold]{Markup.Escape(invalidate)}[/].");
}

AnsiConsole.MarkupLine("[bold]Stagecraft QuickStart[/]: logistic regression on exam scores ([grey]samples/QuickStart/data/exams.csv[/])");
var exams = new CsvSignal(Path.Combine(AppContext.BaseDirectory, "data", "exams.csv"));
var options = new ExperimentOptions(TestFraction: 0.25, Seed: 7, LearningRate: 0.5, Epochs: 1500, L2Penalty: 0.001);

var result = await view.ShowAsync(() => Admissions.RunAsync(runner, exams, options));

AnsiConsole.WriteLine();
if (!result.Succeeded)
{
    AnsiConsole.MarkupLine($"[red]Run {result.RunId} failed.[/] Fix the stage, then resume it: only the failed stages and their downstream run again.");
    return 1;
}

var metrics = Admissions.Outputs.Evaluate(result);
var model = Admissions.Outputs.Train(result);
var metricsTable = new Table().Border(TableBorder.Simple).AddColumns("Metric", "Value");
metricsTable.AddRow("Accuracy", metrics.Accuracy.ToString("P1", CultureInfo.InvariantCulture));
metricsTable.AddRow("Precision", metrics.Precision.ToString("P1", CultureInfo.InvariantCulture));
metricsTable.AddRow("Recall", metrics.Recall.ToString("P1", CultureInfo.InvariantCulture));
metricsTable.AddRow("F1", metrics.F1.ToString("F3", CultureInfo.InvariantCulture));
metricsTable.AddRow("Log-loss", metrics.LogLoss.ToString("F3", CultureInfo.InvariantCulture));
metricsTable.AddRow("Training loss", model.TrainingLoss.ToString("F3", CultureInfo.InvariantCulture));
AnsiConsole.Write(metricsTable);

AnsiConsole.MarkupLine($"Run [bold]{result.RunId}[/]: {view.Ran} stage(s) ran, {view.Cached} served from the cache.");
AnsiConsole.MarkupLine($"Report: {Markup.Escape(Admissions.Outputs.Report(result).Path)}");
AnsiConsole.MarkupLine(view.Cached == result.Stages.Count
    ? "Every stage came from the cache. Edit a stage in [grey]samples/QuickStart/Admissions.cs[/] (say, Evaluate) and run again: only it and its downstream re-run."
    : "Run it again: every stage is served from the cache.");
return 0;
