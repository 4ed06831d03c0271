using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Storage;

namespace Stagecraft.TestChild;

/// <summary>A prune in its own process, so a test can SIGKILL it at a random point.</summary>
public static class PipelinePruneCommands
{
    /// <summary>The prune lock a killed child leaves is taken over after this long.</summary>
    public static readonly TimeSpan StaleLockAfter = TimeSpan.FromSeconds(1);

    [ModuleInitializer]
    internal static void Register() =>

        // pipeline-prune <storageRoot> <workRoot> <keepLatest> <writeDelayMs>: prints "ready", then prunes to the newest
        // runs per pipeline with no content grace period, waiting out the stale lock of a killed predecessor. Every
        // write and delete is delayed, so a kill at a random moment lands between two of them.
        ChildCommands.Register("pipeline-prune", async args =>
        {
            var storage = new SlowWritingStorage(new LocalObjectStorage(args[0]), TimeSpan.FromMilliseconds(int.Parse(args[3], CultureInfo.InvariantCulture)));
            var runner = new PipelineRunner(new PipelineRunnerOptions { Storage = storage, WorkDirectory = args[1] });
            var options = new PruneOptions
            {
                KeepLatest = int.Parse(args[2], CultureInfo.InvariantCulture),
                ContentGracePeriod = TimeSpan.Zero,
                StaleLockAfter = StaleLockAfter,
            };
            Console.WriteLine("ready");
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var result = await runner.PruneAsync(options);
                    Console.WriteLine($"pruned {result.RemovedRuns.Length} runs, {result.RemovedContentObjects} objects");
                    return 0;
                }
                catch (PruneInProgressException) when (attempt < 100)
                {
                    await Task.Delay(100);
                }
            }
        });

    private sealed class SlowWritingStorage(IObjectStorage inner, TimeSpan delay) : IObjectStorage
    {
        public async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            await Task.Delay(delay, cancellationToken);
            return await inner.PutAsync(key, content, options, cancellationToken);
        }

        public async Task<bool> DeleteAsync(string key, DeleteObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            await Task.Delay(delay, cancellationToken);
            return await inner.DeleteAsync(key, options, cancellationToken);
        }

        public Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default) => inner.GetAsync(key, options, cancellationToken);

        public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default) => inner.StatAsync(key, cancellationToken);

        public IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, options, cancellationToken);

        public Task<ObjectInfo> CopyAsync(string sourceKey, string destinationKey, CopyObjectOptions? options = null, CancellationToken cancellationToken = default) => inner.CopyAsync(sourceKey, destinationKey, options, cancellationToken);
    }
}
