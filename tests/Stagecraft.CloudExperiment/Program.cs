using Stagecraft.CloudExperiment;
using Stagecraft.Gcp.Pipelines;
using Stagecraft.Pipelines;

// The same Main on the laptop and on a VM: GcpPipelineRunner reads the bucket from the environment (the user sets it
// on the laptop; the Compute Engine backend sets it for every worker on a VM).
// Coordinator: Stagecraft.CloudExperiment [--run-id ID] [--seed N] [--train-delay MILLISECONDS]
if (args is ["--bundle-check"])
{
    // Run by tests with an empty environment: proves the bundle starts where no .NET is installed.
    Console.WriteLine($"bundle runs on .NET {Environment.Version} from {AppContext.BaseDirectory}");
    return 0;
}

if (GcpPipelineOptions.FromEnvironment() is not { } options)
{
    await Console.Error.WriteLineAsync($"Set {GcpEnvironmentVariables.Project}, {GcpEnvironmentVariables.Zones} and {GcpEnvironmentVariables.Bucket} to run on Google Cloud.");
    return 2;
}

options = options with { Compute = options.Compute with { Profiles = CloudDemo.MachineProfiles, DefaultProfile = CloudDemo.CpuProfile } };
await using var gcp = await GcpPipelineRunner.CreateAsync(options, args);
if (await gcp.Runner.RunWorkerIfRequestedAsync(args, [CloudDemo.Graph]) is { } exitCode)
{
    return exitCode;
}

var runId = Option("--run-id");
var inputs = new Dictionary<string, object?> { ["seed"] = int.Parse(Option("--seed") ?? "7", System.Globalization.CultureInfo.InvariantCulture), ["delayMilliseconds"] = int.Parse(Option("--train-delay") ?? "0", System.Globalization.CultureInfo.InvariantCulture) };
Console.WriteLine($"coordinating with bundle {gcp.Bundle?.Key}");
try
{
    var result = await gcp.Runner.RunAsync(CloudDemo.Graph, inputs, new PipelineRunOptions { RunId = runId });
    foreach (var stage in result.Stages.Values)
    {
        Console.WriteLine($"{stage.Stage}: {stage.Status}");
    }

    return result.Succeeded ? 0 : 1;
}
catch (PipelineRunCancelledException ex)
{
    await Console.Error.WriteLineAsync($"run {ex.RunId} cancelled: {ex.Reason}");
    return 130;
}

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
