using Stagecraft.InFlight;
using Stagecraft.Local.Processes;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;

namespace Stagecraft.Local.Pipelines;

/// <summary>
/// Creates <see cref="PipelineRunner"/>s that keep everything on the local disk: object storage
/// (<see cref="LocalObjectStorage"/>) under <c>{root}/storage</c>, stage work directories under <c>{root}/work</c> and
/// the in-flight registry of backend runs in <c>{root}/inflight.json</c>, with <c>./.stagecraft</c> as the default root.
/// </summary>
/// <remarks>
/// This is where the runner's default storage is chosen: the core SDK cannot depend on this adapter, so
/// <see cref="PipelineRunnerOptions.Storage"/> is required there and defaulted here.
/// </remarks>
public static class LocalPipelineRunner
{
    /// <summary>The default root directory, relative to the current directory.</summary>
    public const string DefaultRootDirectory = ".stagecraft";

    /// <summary>The in-flight registry of backend runs, relative to the root directory.</summary>
    public const string InFlightRegistryFile = "inflight.json";

    /// <summary>A runner rooted at <c>./.stagecraft</c>.</summary>
    public static PipelineRunner Create() => Create(DefaultRootDirectory, null);

    /// <summary>A runner rooted at <c>./.stagecraft</c>, with adjusted options.</summary>
    /// <param name="configure">Returns adjusted options (<c>options => options with { CacheEnabled = false }</c>); a <see cref="PipelineRunnerOptions.Storage"/> set here is kept.</param>
    public static PipelineRunner Create(Func<PipelineRunnerOptions, PipelineRunnerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return Create(DefaultRootDirectory, configure);
    }

    /// <summary>A runner rooted at <paramref name="rootDirectory"/>.</summary>
    /// <param name="rootDirectory">Holds <c>storage/</c> (outputs, cache entries, run records) and <c>work/</c> (stage work directories).</param>
    public static PipelineRunner Create(string rootDirectory) => Create(rootDirectory, null);

    /// <summary>A runner rooted at <paramref name="rootDirectory"/>, with adjusted options.</summary>
    /// <param name="rootDirectory">Holds <c>storage/</c> (outputs, cache entries, run records) and <c>work/</c> (stage work directories).</param>
    /// <param name="configure">Returns adjusted options (<c>options => options with { CacheEnabled = false }</c>); a <see cref="PipelineRunnerOptions.Storage"/> set here is kept; null keeps the defaults.</param>
    public static PipelineRunner Create(string rootDirectory, Func<PipelineRunnerOptions, PipelineRunnerOptions>? configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        var root = Path.GetFullPath(rootDirectory);
        var storageRoot = Path.Combine(root, "storage");
        var defaultStorage = new LocalObjectStorage(storageRoot);
        var defaults = new PipelineRunnerOptions { Storage = defaultStorage, WorkDirectory = Path.Combine(root, "work") };
        if (OperatingSystem.IsLinux())
        {
            // Backend runs are recorded with their owner, so the next runner start stops those of a coordinator that died.
            defaults = defaults with { InFlightRegistry = new FileInFlightRegistryStore(Path.Combine(root, InFlightRegistryFile)), ProcessTable = new LinuxProcessTable() };
        }

        var options = configure?.Invoke(defaults) ?? defaults;
        if (ReferenceEquals(options.Storage, defaultStorage) && options.TimeProvider != defaults.TimeProvider)
        {
            // The default storage keeps the runner's clock, so object times and run records agree.
            options = options with { Storage = new LocalObjectStorage(storageRoot, new LocalObjectStorageOptions { TimeProvider = options.TimeProvider }) };
        }

        return new PipelineRunner(options);
    }
}
