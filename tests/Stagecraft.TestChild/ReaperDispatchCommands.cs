using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.InFlight;
using Stagecraft.IO;
using Stagecraft.Local.Processes;

namespace Stagecraft.TestChild;

/// <summary>
/// <c>reaper-dispatch {registry} {owner} {name} role...</c>: a dispatcher process that spawns a <c>reaper-tree</c> with the
/// given roles, records it in the file registry, prints <c>recorded {pid} {pid}...</c> (every pid of the tree) and then
/// waits, so a test can SIGKILL it and leave the tree orphaned behind a stale owner.
/// </summary>
internal static class ReaperDispatchCommands
{
    [ModuleInitializer]
    internal static void Register() => ChildCommands.Register("reaper-dispatch", RunAsync);

    private static async Task<int> RunAsync(string[] args)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(typeof(ReaperDispatchCommands).Assembly.Location);
        psi.ArgumentList.Add("reaper-tree");
        foreach (var role in args[3..])
        {
            psi.ArgumentList.Add(role);
        }

        using var tree = Process.Start(psi)!;
        var pids = new List<int>();
        while (await tree.StandardOutput.ReadLineAsync() is { } line && !line.StartsWith("ready ", StringComparison.Ordinal))
        {
            pids.Add(int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));
        }

        using var dispatcher = new InFlightDispatcher(
            new FileInFlightRegistryStore(args[0], Durability.None),
            new LinuxProcessTable(),
            new InFlightDispatcherOptions { OwnerId = args[1] });
        await dispatcher.RecordSpawnedAsync(args[2], [tree.Id]);
        Console.Out.WriteLine("recorded " + string.Join(' ', pids));
        Console.Out.Flush();
        await Task.Delay(Timeout.Infinite);
        return 0;
    }
}
