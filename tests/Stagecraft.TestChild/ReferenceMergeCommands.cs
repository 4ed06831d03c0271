using System.Runtime.CompilerServices;
using Stagecraft.IO;
using Stagecraft.Local.Storage;
using Stagecraft.References;

namespace Stagecraft.TestChild;

/// <summary>Child commands for the crash tests of the optional seed merge and the post-run merge.</summary>
internal static class ReferenceMergeCommands
{
    [ModuleInitializer]
    internal static void Register()
    {
        // ref-merge <storageDir> <runId> <kind> <root> <warmupRunId> <warmupRoot>: a warm-up merge (JIT, first lock),
        // then "ready" and the post-run merge of <runId> into <root>; prints "done" unless killed first.
        ChildCommands.Register("ref-merge", async args =>
        {
            var (storageDir, runId, kind, root, warmupRun, warmupRoot) = (args[0], args[1], args[2], args[3], args[4], args[5]);
            var merger = new PostRunMerger(
                new LocalObjectStorage(storageDir, new LocalObjectStorageOptions { Durability = Durability.None }),
                new PostRunMergerOptions { Durability = Durability.None, PersistReport = false, MaxParallelism = 4 });
            await merger.MergeAsync(warmupRun, kind, warmupRoot);
            Console.WriteLine("ready");
            var report = await merger.MergeAsync(runId, kind, root);
            Console.WriteLine($"done merged={report.MergedKeys.Count}");
            return 0;
        });

        // ref-seed <storageDir> <seedPrefix> <root> <warmupPrefix> <warmupRoot>: a warm-up seed merge, then "ready" and
        // the optional seed merge of <seedPrefix> into <root>; prints "done" unless killed first.
        ChildCommands.Register("ref-seed", async args =>
        {
            var (storageDir, prefix, root, warmupPrefix, warmupRoot) = (args[0], args[1], args[2], args[3], args[4]);
            var seeding = new ReferenceSeeding(
                new LocalObjectStorage(storageDir, new LocalObjectStorageOptions { Durability = Durability.None }),
                new ReferenceSeedingOptions { Durability = Durability.None });
            await seeding.MergeOptionalSeedAsync(warmupPrefix, warmupRoot);
            Console.WriteLine("ready");
            var result = await seeding.MergeOptionalSeedAsync(prefix, root);
            Console.WriteLine($"done {result.Outcome}");
            return 0;
        });
    }
}
