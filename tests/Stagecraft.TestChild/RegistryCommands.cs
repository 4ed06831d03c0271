using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.Local.Storage;
using Stagecraft.Registry;

namespace Stagecraft.TestChild;

/// <summary>Child commands for model-registry race and crash tests.</summary>
internal static class RegistryCommands
{
    [ModuleInitializer]
    internal static void Register()
    {
        // registry-move-alias <storeRoot> <alias> <moverIndex> <moves> <goFile>:
        // print "ready", wait for goFile, then move the alias to run "mover-{index}" <moves> times, resolving and
        // retrying on every conflict; finally print "conflicts=N".
        ChildCommands.Register("registry-move-alias", async args =>
        {
            var (root, alias, mover, goFile) = (args[0], args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[4]);
            var moves = int.Parse(args[3], CultureInfo.InvariantCulture);
            var registry = new ModelRegistry(new LocalObjectStorage(root), new ModelRegistryOptions { Actor = $"mover-{mover}" });
            var runId = $"mover-{mover}";
            Console.WriteLine("ready");
            await WaitForFileAsync(goFile);

            var conflicts = 0;
            for (var i = 0; i < moves; i++)
            {
                while (true)
                {
                    var current = await registry.ResolveAsync(alias);
                    try
                    {
                        await registry.SetAliasAsync(alias, runId, current.Generation, $"mover {mover} move {i}");
                        break;
                    }
                    catch (AliasConflictException)
                    {
                        conflicts++;
                    }
                }
            }

            Console.WriteLine($"conflicts={conflicts}");
            return 0;
        });

        // registry-move-forever <storeRoot> <alias> <runA> <runB>: flip the alias between two runs until killed,
        // printing "moved N" after each move (a crash test kills it at an arbitrary point).
        ChildCommands.Register("registry-move-forever", async args =>
        {
            var (root, alias, runA, runB) = (args[0], args[1], args[2], args[3]);
            var registry = new ModelRegistry(new LocalObjectStorage(root), new ModelRegistryOptions { Actor = "flipper" });
            for (var n = 1; ; n++)
            {
                var current = await registry.ResolveAsync(alias);
                await registry.SetAliasAsync(alias, current.RunId == runA ? runB : runA, current.Generation, $"flip {n}");
                Console.WriteLine($"moved {n}");
            }
        });
    }

    /// <summary>A start barrier across processes: polls for a file the test creates once every child is ready.</summary>
    private static async Task WaitForFileAsync(string path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (!File.Exists(path))
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
