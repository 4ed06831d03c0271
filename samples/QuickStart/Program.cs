using System.Globalization;
using QuickStart;
using Stagecraft.Gcp.Pipelines;
using Stagecraft.Local.Pipelines;
using Stagecraft.Pipelines;
using Stagecraft.Signals;

// dotnet run --project samples/QuickStart [-- --no-cache | --invalidate <Stage> | --resume <runId>]
// Outputs, cache entries and run records go to ./.stagecraft (object storage on the local disk).
//
// Cloud mode: dotnet run --project samples/QuickStart -- --cloud [--cloud-config gcp.json] [the options above]
// Everything goes to a Cloud Storage bucket and every stage runs on its own Compute Engine VM; the program itself is
// shipped to the VMs as a bundle (see docs/gcp.md, "Run your pipeline on Compute Engine").
var useCache = !args.Contains("--no-cache");
var invalidate = OptionValue("--invalidate");
var resume = OptionValue("--resume");
var cloud = args.Contains("--cloud") || args.Contains(PipelineWorkerCommand.WorkerArgument);
var resumeCommand = "dotnet run --project samples/QuickStart -- " + (cloud ? "--cloud " : string.Empty) + "--resume";

var output = new SampleOutput();
var view = new PipelineConsoleView(Admissions.Graph, output);
PipelineRunner runner;
GcpPipelineOptions? cloudSettings;
try
{
    cloudSettings = cloud ? CloudSettings.Load(OptionValue("--cloud-config") ?? CloudSettings.DefaultFile) : null;
}
catch (Exception ex) when (ex is ArgumentException or System.Text.Json.JsonException or InvalidOperationException)
{
    output.Error($"Cloud settings are incomplete or malformed: {ex.Message}");
    return 2;
}

await using var gcp = cloudSettings is null ? null : await CreateCloudRunnerAsync(cloudSettings);
if (gcp is not null)
{
    // On a VM the same program runs one stage as a worker, then exits.
    if (await gcp.Runner.RunWorkerIfRequestedAsync(args, [Admissions.Graph]) is { } exitCode)
    {
        return exitCode;
    }

    runner = gcp.Runner;
    output.Line($"[bold]Cloud mode[/]: bucket [grey]{SampleOutput.Escape(gcp.Storage.Bucket)}[/], bundle [grey]{gcp.Bundle?.Key}[/]");
}
else if (cloud)
{
    output.Error($"Cloud mode needs {GcpEnvironmentVariables.Project}, {GcpEnvironmentVariables.Zones} and {GcpEnvironmentVariables.Bucket}, or a {CloudSettings.DefaultFile} like samples/QuickStart/gcp.example.json.");
    return 2;
}
else
{
    runner = LocalPipelineRunner.Create(options => options with { CacheEnabled = useCache, MaxParallelism = 4, Progress = view });
}

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
    output.Error($"Run {ex.RunId} was {ex.Reason}; its finished stages are kept. Continue it with: {resumeCommand} {ex.RunId}");
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
    output.Line($"[red]Run {result.RunId} failed.[/] Fix the stage, then resume it (only the failed stages and their downstream run again): {resumeCommand} {result.RunId}");
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

// QuickStart's stages name no profile: in cloud mode each runs on a VM of the default profile (cpu-small).
async Task<GcpPipelineRunner> CreateCloudRunnerAsync(GcpPipelineOptions settings) =>
    await GcpPipelineRunner.CreateAsync(
        settings with { PlaceStagesWithoutProfile = true },
        args,
        options => options with { CacheEnabled = useCache, MaxParallelism = 4, Progress = view });
