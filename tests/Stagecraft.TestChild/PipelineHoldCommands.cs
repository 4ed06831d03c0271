using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.InFlight;
using Stagecraft.Local.Processes;
using Stagecraft.Local.Runs;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;

namespace Stagecraft.TestChild;

/// <summary>A coordinator process running (or resuming) the <see cref="Holding"/> pipeline, in process or on the local run backend.</summary>
public static class PipelineHoldCommands
{
    public const int Seed = 5;

    [ModuleInitializer]
    internal static void Register()
    {
        // pipeline-hold <storageRoot> <workRoot> <runId> <gate> <run|resume> <inprocess|local> <backendStateDir> [<inFlightRegistry>]
        ChildCommands.Register("pipeline-hold", async args =>
        {
            var (storageRoot, workRoot, runId, gate, mode, where, stateDirectory) = (args[0], args[1], args[2], args[3], args[4], args[5], args[6]);
            var registry = args.Length > 7 ? new FileInFlightRegistryStore(args[7]) : null;
            var storage = new LocalObjectStorage(storageRoot);
            LocalRunBackend? backend = where == "local"
                ? new LocalRunBackend(storage, new LocalRunBackendOptions { StateDirectory = stateDirectory, StatusPollInterval = TimeSpan.FromMilliseconds(100) })
                : null;
            try
            {
                var runner = new PipelineRunner(new PipelineRunnerOptions
                {
                    Storage = storage,
                    WorkDirectory = workRoot,
                    OwnerHeartbeatInterval = TimeSpan.FromMilliseconds(200),
                    Progress = new Progress(e => Console.WriteLine($"event {e.Kind} {e.Stage}")),
                    Backend = backend,
                    InFlightRegistry = registry,
                    ProcessTable = registry is null ? null : new LinuxProcessTable(),
                    WorkerCommand = new PipelineWorkerCommand("dotnet", [typeof(PipelineHoldCommands).Assembly.Location, "pipeline-hold-worker", storageRoot, workRoot + "-worker"]),
                });
                var result = mode == "resume"
                    ? await runner.ResumeAsync(Holding.Graph, runId)
                    : await runner.RunAsync(
                        Holding.Graph,
                        new Dictionary<string, object?> { ["seed"] = Seed, ["gate"] = gate },
                        new PipelineRunOptions { RunId = runId });
                Console.WriteLine(result.Succeeded ? "completed " + Holding.Outputs.Finish(result).Value.ToString(CultureInfo.InvariantCulture) : "failed");
                return result.Succeeded ? 0 : 1;
            }
            catch (PipelineRunCancelledException ex)
            {
                Console.WriteLine($"cancelled {ex.RunId}: {ex.Reason}");
                return 130;
            }
            finally
            {
                if (backend is not null)
                {
                    await backend.DisposeAsync();
                }
            }
        });

        // pipeline-hold-worker <storageRoot> <workRoot> --stagecraft-pipeline-worker
        ChildCommands.Register("pipeline-hold-worker", async args =>
        {
            var runner = new PipelineRunner(new PipelineRunnerOptions { Storage = new LocalObjectStorage(args[0]), WorkDirectory = args[1] });
            return await runner.RunWorkerIfRequestedAsync(args, [Holding.Graph]) ?? 64;
        });
    }

    private sealed class Progress(Action<PipelineEvent> report) : IProgress<PipelineEvent>
    {
        public void Report(PipelineEvent value) => report(value);
    }
}
