using Stagecraft.CloudExperiment;
using Stagecraft.Gcp.Bundles;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Emulation.Compute;
using Stagecraft.Gcp.Pipelines;
using Stagecraft.Gcp.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Sdk.Gcp.Tests.Compute;
using Stagecraft.Sdk.Gcp.Tests.Storage;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Gcp.Tests.EndToEnd;

/// <summary>
/// One emulated Google Cloud for a test: fake Cloud Storage and Compute (whose VMs run our real startup script), the
/// bundle uploaded to the fake bucket, and a coordinator (<see cref="Runner"/>) storing in the bucket and placing
/// <see cref="CloudDemo.GpuProfile"/> and <see cref="CloudDemo.CpuProfile"/> stages on one <see cref="GceRunBackend"/>.
/// Helpers find a stage's VM and stop it, for tests of cancellation, preemption and coordinator crashes.
/// </summary>
public sealed class CloudPipelineHarness : IAsyncDisposable
{
    /// <summary>The label every stage's VM carries with its pipeline run id.</summary>
    public const string PipelineRunLabel = "stagecraft-pipeline-run";

    /// <summary>The label every stage's VM carries with its stage name.</summary>
    public const string StageLabel = "stagecraft-stage";

    private readonly TempDirectory _work = new("cloud-e2e-work");

    private CloudPipelineHarness(GceTestBed bed, GcsObjectStorage storage, GceRunBackend backend, AppBundle bundle)
    {
        Bed = bed;
        Storage = storage;
        Backend = backend;
        Bundle = bundle;
        RunnerOptions = new PipelineRunnerOptions
        {
            Storage = storage,
            Placement = new Dictionary<string, IRunBackend> { [CloudDemo.GpuProfile] = backend, [CloudDemo.CpuProfile] = backend },
            WorkDirectory = _work.Combine("coordinator"),
            MaxParallelism = 4,
            HandleTerminationSignals = false,
        };
        Runner = new PipelineRunner(RunnerOptions);
    }

    /// <summary>The options of <see cref="Runner"/>: the bucket and the two profiles placed on <see cref="Backend"/>.</summary>
    public PipelineRunnerOptions RunnerOptions { get; }

    public GceTestBed Bed { get; }

    public GcsObjectStorage Storage { get; }

    public GceRunBackend Backend { get; }

    public AppBundle Bundle { get; }

    public PipelineRunner Runner { get; }

    /// <summary>The coordinator processes' local state directory (<see cref="GcpPipelineOptions.StateDirectory"/>), inside this harness's work directory.</summary>
    public string StateDirectory => _work.Combine("state");

    /// <summary>Every VM the fake Compute ever created.</summary>
    public IReadOnlyList<FakeInstance> CreatedInstances => Bed.Compute.CreatedInstances;

    public static async Task<CloudPipelineHarness> StartAsync(CloudExperimentBundle bundle)
    {
        // One token for both APIs, as one user's application default credentials would be: a coordinator process
        // configured from the environment (StartCoordinator) carries a single credential.
        var bed = await GceTestBed.StartAsync(GcsTestBed.Token);
        var storage = bed.CreateStorage();
        await AppBundleUploader.UploadAsync(storage, bundle.Archive, bundle.Sha256);
        var appBundle = AppBundle.ForDigest(bundle.Sha256) with { EntryPoint = CloudExperimentBundle.EntryPoint };
        var backend = bed.CreateBackend(storage, bed.Options() with { Profiles = CloudDemo.MachineProfiles, DefaultProfile = CloudDemo.CpuProfile, Bundle = appBundle });
        return new CloudPipelineHarness(bed, storage, backend, appBundle);
    }

    /// <summary>The pipeline's inputs: a seed, and how long <see cref="CloudDemo.Train"/> waits before it works.</summary>
    public static Dictionary<string, object?> Inputs(int seed, int trainDelayMilliseconds = 0) =>
        new() { ["seed"] = seed, ["delayMilliseconds"] = trainDelayMilliseconds };

    /// <summary>Runs <see cref="CloudDemo"/> (or <paramref name="graph"/>) under a chosen run id.</summary>
    public Task<PipelineRunResult> RunAsync(string runId, Dictionary<string, object?> inputs, PipelineGraph? graph = null, CancellationToken cancellationToken = default, IProgress<PipelineEvent>? progress = null) =>
        Runner.RunAsync(graph ?? CloudDemo.Graph, inputs, new PipelineRunOptions { RunId = runId, Progress = progress }, cancellationToken);

    /// <summary>The live VMs of one pipeline run.</summary>
    public IReadOnlyList<FakeInstance> LiveInstancesOf(string pipelineRunId) =>
        [.. Bed.Compute.Instances.Where(i => i.Labels.GetValueOrDefault(PipelineRunLabel) == RunLabels.ToValue(pipelineRunId))];

    /// <summary>Waits until <paramref name="stage"/> of <paramref name="pipelineRunId"/> has a running VM whose command has started.</summary>
    public async Task<FakeInstance> WaitForRunningStageAsync(string pipelineRunId, string stage, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var instance = LiveInstancesOf(pipelineRunId).FirstOrDefault(i => i.Labels.GetValueOrDefault(StageLabel) == RunLabels.ToValue(stage));
            if (instance is { Status: "RUNNING", Vm: { } vm }
                && Directory.EnumerateFiles(Path.Combine(vm.SandboxDirectory, "work"), "command.pid", SearchOption.AllDirectories).Any())
            {
                return instance;
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    /// <summary>
    /// Starts the experiment's own program as the coordinator, in its build directory (as on a laptop), configured only
    /// through <see cref="GcpEnvironmentVariables"/> pointed at this harness's fakes; it runs <see cref="CloudDemo"/> under
    /// <paramref name="runId"/>. Signal it (Ctrl-C, SIGKILL) to test what a coordinator leaves behind.
    /// </summary>
    public CoordinatorProcess StartCoordinator(string runId, int seed, int trainDelayMilliseconds) => CoordinatorProcess.Start(
        Path.Combine(CloudExperimentBundle.BuildDirectory, CloudExperimentBundle.EntryPoint),
        ["--run-id", runId, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--train-delay", trainDelayMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        new Dictionary<string, string?>
        {
            [GcpEnvironmentVariables.Project] = Bed.Compute.Options.Project,
            [GcpEnvironmentVariables.Zones] = string.Join(',', Bed.Compute.Options.Zones),
            [GcpEnvironmentVariables.Bucket] = GcsTestBed.Bucket,
            [GcpEnvironmentVariables.StorageEndpoint] = Bed.Gcs.Endpoint.AbsoluteUri,
            [GcpEnvironmentVariables.ComputeEndpoint] = Bed.Compute.Endpoint.AbsoluteUri,
            [GcpEnvironmentVariables.AccessToken] = GcsTestBed.Token,
            [GcpEnvironmentVariables.Credentials] = null,
            [GcpEnvironmentVariables.StateDirectory] = StateDirectory,
            ["STORAGE_EMULATOR_HOST"] = null,
            ["DOTNET_STARTUP_HOOKS"] = null,
        });

    /// <summary>Preempts a stage's spot VM as Compute Engine does (SIGTERM, grace, gone).</summary>
    public Task PreemptAsync(FakeInstance instance) => Bed.Compute.PreemptAsync(instance.Zone, instance.Name);

    public async ValueTask DisposeAsync()
    {
        Backend.Dispose();
        Storage.Dispose();
        await Bed.DisposeAsync();
        _work.Dispose();
    }
}
