using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Signals;
using Stagecraft.Storage;

namespace Stagecraft.TestChild;

/// <summary>
/// A pipeline run that can be frozen just before its N-th cache-relevant storage write (an output file or the
/// cache entry) so a test can SIGKILL it there. The graph is public so the test re-runs the very same stage.
/// </summary>
public static class PipelineCrashCommands
{
    public const string RunId = "crash-run";
    public const string StageName = "Big";
    public const int FileCount = 4;
    public const int FileSize = 256 * 1024;

    /// <summary>The stage's output: <see cref="FileCount"/> files of deterministic bytes in a directory.</summary>
    public static PipelineGraph CreateGraph(Action? onInvoke = null) => new(
        "CrashSafety",
        [
            new StageDescriptor(
                StageName,
                version: null,
                codeHash: "crash-stage-v1",
                typeof(DirectorySignal),
                [new StageParameterDescriptor("context", typeof(StageContext), StageParameterKind.Context, null)],
                async arguments =>
                {
                    onInvoke?.Invoke();
                    var context = (StageContext)arguments[0]!;
                    var directory = Path.Combine(context.WorkDirectory, "shards");
                    Directory.CreateDirectory(directory);
                    for (var i = 0; i < FileCount; i++)
                    {
                        await File.WriteAllBytesAsync(Path.Combine(directory, ShardName(i)), ShardContent(i));
                    }

                    return new DirectorySignal(directory);
                }),
        ],
        []);

    public static string ShardName(int index) => $"shard-{index}.bin";

    public static byte[] ShardContent(int index)
    {
        var bytes = new byte[FileSize];
        new Random(index).NextBytes(bytes);
        return bytes;
    }

    [ModuleInitializer]
    internal static void Register() =>

        // pipeline-crash <storageRoot> <workRoot> <hangBeforeWrite>: run the graph; before the given 1-based
        // output/cache write print "hanging before <key>" and block until killed (0: never block).
        ChildCommands.Register("pipeline-crash", async args =>
        {
            var hangBefore = int.Parse(args[2], CultureInfo.InvariantCulture);
            var storage = new FreezingStorage(new LocalObjectStorage(args[0]), hangBefore);
            var runner = new PipelineRunner(new PipelineRunnerOptions { Storage = storage, WorkDirectory = args[1], RecordFlushInterval = TimeSpan.Zero });
            var result = await runner.RunAsync(CreateGraph(), new Dictionary<string, object?>(), new PipelineRunOptions { RunId = RunId });
            Console.WriteLine(result.Succeeded ? "completed" : "failed: " + result.Stages[StageName].Reason);
            return result.Succeeded ? 0 : 1;
        });

    private sealed class FreezingStorage(IObjectStorage inner, int hangBefore) : IObjectStorage
    {
        private int _writes;

        public async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (key.StartsWith(PipelinePaths.ContentPrefix, StringComparison.Ordinal) || key.StartsWith(PipelinePaths.RootPrefix, StringComparison.Ordinal))
            {
                if (Interlocked.Increment(ref _writes) == hangBefore)
                {
                    Console.WriteLine("hanging before " + key);
                    await Task.Delay(Timeout.Infinite, CancellationToken.None);
                }
            }

            return await inner.PutAsync(key, content, options, cancellationToken);
        }

        public Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default) => inner.GetAsync(key, options, cancellationToken);

        public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default) => inner.StatAsync(key, cancellationToken);

        public IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, options, cancellationToken);

        public Task<bool> DeleteAsync(string key, DeleteObjectOptions? options = null, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, options, cancellationToken);

        public Task<ObjectInfo> CopyAsync(string sourceKey, string destinationKey, CopyObjectOptions? options = null, CancellationToken cancellationToken = default) => inner.CopyAsync(sourceKey, destinationKey, options, cancellationToken);
    }
}
