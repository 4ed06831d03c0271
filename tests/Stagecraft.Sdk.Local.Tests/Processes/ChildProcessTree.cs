using System.Globalization;
using Stagecraft.Local.Processes;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Processes;

/// <summary>A real process tree started through TestChild's <c>reaper-tree</c> command; every process is killed on dispose.</summary>
internal sealed class ChildProcessTree : IDisposable
{
    private ChildProcessTree(TestChildProcess root, List<(int Pid, string Role)> processes)
    {
        Root = root;
        Processes = processes;
    }

    public TestChildProcess Root { get; }

    /// <summary>Every process of the tree with its role (root, sleeper, shell, grandchild, stubborn, stubborn-child, nested).</summary>
    public IReadOnlyList<(int Pid, string Role)> Processes { get; }

    public IEnumerable<int> AllPids => Processes.Select(p => p.Pid);

    public int Pid(string role) => Processes.First(p => p.Role == role).Pid;

    public static async Task<ChildProcessTree> StartAsync(params string[] roles)
    {
        var root = TestChildProcess.Start("reaper-tree", roles);
        try
        {
            await root.WaitForLineAsync(l => l.StartsWith("ready ", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
            var processes = root.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.StartsWith("pid ", StringComparison.Ordinal))
                .Select(l => l.Split(' '))
                .Select(parts => (int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]))
                .ToList();
            return new ChildProcessTree(root, processes);
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    /// <summary>True while <paramref name="pid"/> is a live (non-zombie) process.</summary>
    public static bool IsAlive(int pid) => ProcFs.ReadStat(pid) is { HasExited: false };

    /// <summary>Waits (bounded) until none of <paramref name="pids"/> is alive; returns those still alive.</summary>
    public static async Task<List<int>> SurvivorsAfterAsync(IEnumerable<int> pids, TimeSpan within)
    {
        var list = pids.ToList();
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var alive = list.Where(IsAlive).ToList();
            if (alive.Count == 0 || DateTime.UtcNow > deadline)
            {
                return alive;
            }

            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        foreach (var (pid, _) in Processes)
        {
            // Only processes this tree started; guarded by the same rule as production code.
            if (pid > 1 && IsAlive(pid))
            {
                try
                {
                    ProcessSignals.Send(pid, PosixSignal.Kill);
                }
                catch (System.ComponentModel.Win32Exception)
                {
                }
            }
        }

        Root.Dispose();
    }
}
