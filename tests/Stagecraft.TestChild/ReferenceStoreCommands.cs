using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.IO;
using Stagecraft.References;

namespace Stagecraft.TestChild;

/// <summary>Child commands for the reference store's race and crash tests.</summary>
internal static class ReferenceStoreCommands
{
    [ModuleInitializer]
    internal static void Register()
    {
        // ref-ensure <root> <key> <fingerprint> <buildLogDir> [holdFile]: one EnsureAsync. With holdFile, the build
        // prints "building" and waits (holding the key's lock) until holdFile exists. Prints "done built=<0|1>".
        ChildCommands.Register("ref-ensure", async args =>
        {
            var (root, key, fingerprint, buildLog) = (args[0], args[1], args[2], args[3]);
            var holdFile = args.Length > 4 ? args[4] : null;
            var built = false;
            var store = new ReferenceStore(root, new ReferenceStoreOptions { Durability = Durability.None });
            await store.EnsureAsync(key, fingerprint, async (dir, ct) =>
            {
                built = true;
                RecordBuild(buildLog, key);
                await ReferenceTreeContent.WriteAsync(dir.FullName, fingerprint, ct);
                if (holdFile is not null)
                {
                    Console.WriteLine("building");
                    await WaitForFileAsync(holdFile, ct);
                }
            });
            Console.WriteLine($"done built={(built ? 1 : 0)}");
            return 0;
        });

        // ref-ensure-race <root> <keysCsv> <fingerprint> <buildLogDir> <shuffleSeed>: EnsureAsync on every key, in an
        // order shuffled by the seed, after printing "ready" and waiting for <root>/../go (so all children start together).
        ChildCommands.Register("ref-ensure-race", async args =>
        {
            var (root, keys, fingerprint, buildLog) = (args[0], args[1].Split(','), args[2], args[3]);
            var random = new Random(int.Parse(args[4], CultureInfo.InvariantCulture));
            random.Shuffle(keys);
            var store = new ReferenceStore(root, new ReferenceStoreOptions { Durability = Durability.None });
            Console.WriteLine("ready");
            await WaitForFileAsync(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(root))!, "go"), CancellationToken.None);
            foreach (var key in keys)
            {
                await store.EnsureAsync(key, fingerprint, async (dir, ct) =>
                {
                    RecordBuild(buildLog, key);
                    await ReferenceTreeContent.WriteAsync(dir.FullName, fingerprint, ct);
                });
            }

            Console.WriteLine("done");
            return 0;
        });

        // ref-ensure-churn <root> <keyCount>: warms up, prints "ready", then rebuilds random keys with ever new fingerprints
        // until killed (the crash test SIGKILLs it at a random moment).
        ChildCommands.Register("ref-ensure-churn", async args =>
        {
            var root = args[0];
            var keyCount = int.Parse(args[1], CultureInfo.InvariantCulture);
            var store = new ReferenceStore(root, new ReferenceStoreOptions { Durability = Durability.None });
            var random = new Random();

            // Warm up (JIT, first lock) so the kill window lands in steady-state builds and commits.
            await store.EnsureAsync("warmup", "warm", (dir, ct) => ReferenceTreeContent.WriteAsync(dir.FullName, "warm", ct), force: true);
            Console.WriteLine("ready");
            for (var generation = 0; ; generation++)
            {
                var key = string.Create(CultureInfo.InvariantCulture, $"key{random.Next(keyCount)}");
                var fingerprint = string.Create(CultureInfo.InvariantCulture, $"fp-{Environment.ProcessId}-{generation}");
                await store.EnsureAsync(key, fingerprint, (dir, ct) => ReferenceTreeContent.WriteAsync(dir.FullName, fingerprint, ct), force: random.Next(4) == 0);
            }
        });
    }

    /// <summary>One build = one new entry file in the build log directory (created exclusively, so concurrent builders never collide).</summary>
    internal static void RecordBuild(string buildLogDirectory, string key)
    {
        Directory.CreateDirectory(buildLogDirectory);
        var entry = Path.Combine(buildLogDirectory, string.Create(CultureInfo.InvariantCulture, $"{key}@{Environment.ProcessId}@{Guid.NewGuid():N}"));
        using (new FileStream(entry, FileMode.CreateNew, FileAccess.Write))
        {
        }
    }

    /// <summary>Waits until <paramref name="path"/> exists (a test's go signal; a short poll, no inotify instance per child).</summary>
    internal static async Task WaitForFileAsync(string path, CancellationToken cancellationToken)
    {
        while (!File.Exists(path))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }
}
