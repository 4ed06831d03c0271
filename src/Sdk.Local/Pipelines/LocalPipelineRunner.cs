using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;

namespace Stagecraft.Local.Pipelines;

/// <summary>
/// Creates <see cref="PipelineRunner"/>s that keep everything on the local disk: object storage
/// (<see cref="LocalObjectStorage"/>) under <c>{root}/storage</c> and stage work directories under <c>{root}/work</c>,
/// with <c>./.stagecraft</c> as the default root.
/// </summary>
/// <remarks>
/// This is where the runner's default storage is chosen: the core SDK cannot depend on this adapter, so
/// <see cref="PipelineRunnerOptions.Storage"/> is required there and defaulted here.
/// </remarks>
public static class LocalPipelineRunner
{
    /// <summary>The default root directory, relative to the current directory.</summary>
    public const string DefaultRootDirectory = ".stagecraft";

    /// <summary>A runner rooted at <c>./.stagecraft</c>.</summary>
    /// <param name="configure">Adjusts the options; a <see cref="PipelineRunnerOptions.Storage"/> set here is kept.</param>
    public static PipelineRunner Create(Action<PipelineRunnerOptions>? configure = null) => Create(DefaultRootDirectory, configure);

    /// <summary>A runner rooted at <paramref name="rootDirectory"/>.</summary>
    /// <param name="rootDirectory">Holds <c>storage/</c> (outputs, cache entries, run records) and <c>work/</c> (stage work directories).</param>
    /// <param name="configure">Adjusts the options; a <see cref="PipelineRunnerOptions.Storage"/> set here is kept.</param>
    public static PipelineRunner Create(string rootDirectory, Action<PipelineRunnerOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        var root = Path.GetFullPath(rootDirectory);
        var options = new PipelineRunnerOptions { WorkDirectory = Path.Combine(root, "work") };
        configure?.Invoke(options);
        options.Storage ??= new LocalObjectStorage(Path.Combine(root, "storage"), new LocalObjectStorageOptions { TimeProvider = options.TimeProvider });
        return new PipelineRunner(options);
    }
}
