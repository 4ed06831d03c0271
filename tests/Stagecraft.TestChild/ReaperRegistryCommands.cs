using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.InFlight;
using Stagecraft.IO;
using Stagecraft.Local.Processes;

namespace Stagecraft.TestChild;

/// <summary>
/// <c>registry-writer {path} {owner} {count}</c>: records <c>count</c> in-flight entries (<c>{owner}-{i}</c>) through an
/// <see cref="InFlightDispatcher"/> over the file registry, printing <c>wrote {i}</c> after each, for multi-process and
/// kill-mid-write tests.
/// </summary>
internal static class ReaperRegistryCommands
{
    [ModuleInitializer]
    internal static void Register() => ChildCommands.Register("registry-writer", RunAsync);

    private static async Task<int> RunAsync(string[] args)
    {
        var store = new FileInFlightRegistryStore(args[0], Durability.None);
        var owner = args[1];
        var count = int.Parse(args[2], CultureInfo.InvariantCulture);
        using var dispatcher = new InFlightDispatcher(store, new LinuxProcessTable(), new InFlightDispatcherOptions { OwnerId = owner });
        for (var i = 0; i < count; i++)
        {
            await dispatcher.RecordSpawnedAsync(string.Create(CultureInfo.InvariantCulture, $"{owner}-{i}"), [], commandLineMarker: null);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {i}"));
            Console.Out.Flush();
        }

        return 0;
    }
}
