using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Stagecraft.TestChild;

/// <summary>
/// <c>reaper-tree role...</c>: builds a real process tree for reaper and tree-kill tests and prints one
/// <c>pid {pid} {role}</c> line per process, then <c>ready {count}</c>, then sleeps until killed. Roles:
/// <c>sleeper</c> (one <c>sleep</c>), <c>shell</c> (a shell with two background sleeps),
/// <c>stubborn</c> (a shell and a sleep that both ignore SIGTERM, so only SIGKILL ends them),
/// <c>nested</c> (another <c>reaper-tree sleeper</c>, i.e. a dotnet grandchild with its own child).
/// </summary>
internal static class ReaperCommands
{
    [ModuleInitializer]
    internal static void Register() => ChildCommands.Register("reaper-tree", RunAsync);

    private static async Task<int> RunAsync(string[] roles)
    {
        var output = new object();
        void Emit(string line)
        {
            lock (output)
            {
                Console.Out.WriteLine(line);
                Console.Out.Flush();
            }
        }

        var plan = roles.Select(role => role switch
        {
            "sleeper" => (Role: role, File: "/bin/sleep", Args: new[] { "600" }, Lines: 1),
            "shell" => (role, "/bin/sh", ["-c", "sleep 600 & echo \"pid $! grandchild\"; sleep 600 & echo \"pid $! grandchild\"; echo \"pid $$ shell\"; wait"], 3),
            "stubborn" => (role, "/bin/sh", ["-c", "trap '' TERM; sleep 600 & echo \"pid $! stubborn-child\"; echo \"pid $$ stubborn\"; wait"], 2),
            "nested" => (role, Environment.ProcessPath!, [typeof(ReaperCommands).Assembly.Location, "reaper-tree", "sleeper"], 2),
            _ => throw new ArgumentException($"unknown role '{role}'"),
        }).ToList();
        var expected = plan.Sum(p => p.Lines);
        var reported = 0;
        var allReported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var children = new List<Process>();
        foreach (var (role, file, args, _) in plan)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            var child = Process.Start(psi)!;
            children.Add(child);
            if (role == "sleeper")
            {
                Emit($"pid {child.Id} sleeper");
                if (Interlocked.Increment(ref reported) == expected)
                {
                    allReported.TrySetResult();
                }

                continue;
            }

            var isNested = role == "nested";
            child.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null || !e.Data.StartsWith("pid ", StringComparison.Ordinal))
                {
                    return;
                }

                // A nested tree reports its own root as "root"; from here it is "nested".
                Emit(isNested ? e.Data.Replace(" root", " nested", StringComparison.Ordinal) : e.Data);
                if (Interlocked.Increment(ref reported) == expected)
                {
                    allReported.TrySetResult();
                }
            };
            child.BeginOutputReadLine();
        }

        if (expected > 0)
        {
            await allReported.Task;
        }

        Emit($"pid {Environment.ProcessId} root");
        Emit($"ready {expected + 1}");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }
}
