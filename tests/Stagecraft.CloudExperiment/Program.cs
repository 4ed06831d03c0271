using Stagecraft.CloudExperiment;
using Stagecraft.Gcp.Pipelines;

// The same Main on the laptop and on a VM: GcpPipelineRunner reads the bucket from the environment (the user sets it
// on the laptop; the Compute Engine backend sets it for every worker on a VM).
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

await using var gcp = await GcpPipelineRunner.CreateAsync(options, args);
if (await gcp.Runner.RunWorkerIfRequestedAsync(args, [CloudDemo.Graph]) is { } exitCode)
{
    return exitCode;
}

var result = await CloudDemo.RunAsync(gcp.Runner, 7, 0);
foreach (var stage in result.Stages.Values)
{
    Console.WriteLine($"{stage.Stage}: {stage.Status}");
}

return result.Succeeded ? 0 : 1;
