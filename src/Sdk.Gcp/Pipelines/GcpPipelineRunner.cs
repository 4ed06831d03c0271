using Stagecraft.Gcp.Bundles;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Storage;
using Stagecraft.InFlight;
using Stagecraft.Local.Processes;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Telemetry;

namespace Stagecraft.Gcp.Pipelines;

/// <summary>
/// A pipeline runner on Google Cloud: outputs, cache and records in a Cloud Storage bucket, and every stage whose
/// <see cref="StageAttribute.Profile"/> is one of the Compute Engine profiles run on a VM of that profile (other stages
/// run in process unless <see cref="GcpPipelineOptions.PlaceStagesWithoutProfile"/>). The same call serves the coordinator on a laptop and the worker on a VM, so one <c>Main</c> does both.
/// </summary>
/// <example>
/// <code>
/// await using var gcp = await GcpPipelineRunner.CreateAsync(GcpPipelineOptions.FromEnvironment()!, args);
/// if (await gcp.Runner.RunWorkerIfRequestedAsync(args, [Training.Graph]) is { } exitCode) return exitCode;
/// var result = await Training.RunAsync(gcp.Runner, ...);
/// </code>
/// </example>
public sealed class GcpPipelineRunner : IAsyncDisposable
{
    private readonly GcsObjectStorage _storage;
    private readonly GceRunBackend? _backend;

    private GcpPipelineRunner(PipelineRunner runner, GcsObjectStorage storage, GceRunBackend? backend, AppBundle? bundle)
    {
        Runner = runner;
        _storage = storage;
        _backend = backend;
        Bundle = bundle;
    }

    /// <summary>The runner: run, resume and inspect pipelines with it, and hand it the program's arguments first (worker mode).</summary>
    public PipelineRunner Runner { get; }

    /// <summary>The bucket's storage.</summary>
    public GcsObjectStorage Storage => _storage;

    /// <summary>The Compute Engine backend stages are placed on (null in a worker).</summary>
    public GceRunBackend? Backend => _backend;

    /// <summary>The app bundle VMs download (null in a worker).</summary>
    public AppBundle? Bundle { get; }

    /// <summary>
    /// Opens the bucket and, unless <paramref name="args"/> start a worker (<see cref="PipelineWorkerCommand.WorkerArgument"/>),
    /// builds and uploads the app bundle (<see cref="AppBundleBuilder"/>) and places every profile of
    /// <see cref="GcpPipelineOptions.Compute"/> on one <see cref="GceRunBackend"/> running that bundle.
    /// </summary>
    /// <param name="options">Project, zones, bucket, profiles, bundle source.</param>
    /// <param name="args">The program's arguments.</param>
    /// <param name="configure">Adjusts the runner options (parallelism, progress, caching) before the runner is made.</param>
    /// <param name="cancellationToken">Stops a publish or upload in progress.</param>
    /// <exception cref="AppBundleException">The experiment could not be published, packed or uploaded.</exception>
    public static async Task<GcpPipelineRunner> CreateAsync(
        GcpPipelineOptions options,
        IReadOnlyList<string> args,
        Func<PipelineRunnerOptions, PipelineRunnerOptions>? configure = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(args);
        var storage = new GcsObjectStorage(options.EffectiveStorage);
        GceRunBackend? backend = null;
        try
        {
            var runnerOptions = new PipelineRunnerOptions { Storage = storage, LoggerFactory = options.LoggerFactory };
            AppBundle? bundle = null;
            if (!args.Contains(PipelineWorkerCommand.WorkerArgument))
            {
                var bundleOptions = options.Bundle with { LoggerFactory = options.Bundle.LoggerFactory.OrInherited(options.LoggerFactory) };
                bundle = await AppBundleBuilder.BuildAndUploadAsync(storage, bundleOptions, cancellationToken).ConfigureAwait(false);
                var computeOptions = options.Compute with { LoggerFactory = options.Compute.LoggerFactory.OrInherited(options.LoggerFactory) };
                backend = new GceRunBackend(storage, computeOptions with { Bundle = bundle });
                runnerOptions = runnerOptions with
                {
                    Placement = options.Compute.Profiles.Keys.ToDictionary(profile => profile, IRunBackend (_) => backend, StringComparer.Ordinal),
                    Backend = options.PlaceStagesWithoutProfile ? backend : null,
                };
                if ((options.ProcessTable ?? DefaultProcessTable()) is { } processes)
                {
                    // Every VM is recorded before its insert and cleared when it is gone; the runner's first run or
                    // resume deletes those a killed coordinator on this machine left behind.
                    runnerOptions = runnerOptions with
                    {
                        InFlightRegistry = new FileInFlightRegistryStore(Path.Combine(options.EffectiveStateDirectory, InFlightRegistryFile)),
                        ProcessTable = processes,
                    };
                }
            }

            var runner = new PipelineRunner(configure?.Invoke(runnerOptions) ?? runnerOptions);
            return new GcpPipelineRunner(runner, storage, backend, bundle);
        }
        catch
        {
            backend?.Dispose();
            storage.Dispose();
            throw;
        }
    }

    /// <summary>The in-flight registry's file name in <see cref="GcpPipelineOptions.EffectiveStateDirectory"/>.</summary>
    public const string InFlightRegistryFile = "inflight.json";

    public ValueTask DisposeAsync()
    {
        _backend?.Dispose();
        _storage.Dispose();
        return ValueTask.CompletedTask;
    }

    // The process table is the local adapter's: a coordinator of cloud runs is a process on this machine, and
    // Stagecraft.Sdk.Local is where the operating system's processes are read (see docs/conventions.md).
    private static LinuxProcessTable? DefaultProcessTable() => OperatingSystem.IsLinux() ? new LinuxProcessTable() : null;
}
