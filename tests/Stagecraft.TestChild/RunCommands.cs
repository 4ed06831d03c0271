using System.Globalization;
using System.Runtime.CompilerServices;
using Stagecraft.Local.Runs;
using Stagecraft.Local.Storage;
using Stagecraft.Runs;

namespace Stagecraft.TestChild;

/// <summary>
/// Run-backend commands for restart-recovery tests, each a separate SDK process over shared storage and state:
/// <list type="bullet">
/// <item><c>run-launch {storage} {state} {runId} {timeoutSeconds|0} {script} [args...]</c>: launches <c>/bin/sh -c script</c>,
/// prints <c>handle {json}</c>, then waits to be killed.</item>
/// <item><c>run-observe {storage} {state} {handleJson} {status|wait|terminate}</c>: prints <c>status {state} {exit|none}</c>
/// (after waiting for the end, or after terminating) and then <c>line {text}</c> for each stdout line.</item>
/// </list>
/// </summary>
internal static class RunCommands
{
    [ModuleInitializer]
    internal static void Register()
    {
        ChildCommands.Register("run-launch", LaunchAsync);
        ChildCommands.Register("run-observe", ObserveAsync);
    }

    private static LocalRunBackend Backend(string storage, string state) => new(
        new LocalObjectStorage(storage),
        new LocalRunBackendOptions { StateDirectory = state, LogShipInterval = TimeSpan.FromMilliseconds(100), StatusPollInterval = TimeSpan.FromMilliseconds(50), TerminationGracePeriod = TimeSpan.FromSeconds(1) });

    private static async Task<int> LaunchAsync(string[] args)
    {
        var backend = Backend(args[0], args[1]);
        var timeout = double.Parse(args[3], CultureInfo.InvariantCulture);
        var spec = new RunSpec(args[2], "/bin/sh", ["-c", args[4], "sh", .. args[5..]])
        {
            Timeout = timeout > 0 ? TimeSpan.FromSeconds(timeout) : null,
        };
        var handle = await backend.LaunchAsync(spec);
        Console.Out.WriteLine("handle " + handle.ToJson());
        Console.Out.Flush();
        await Task.Delay(Timeout.Infinite); // the test SIGKILLs this process: the SDK dies, the run must not
        return 0;
    }

    private static async Task<int> ObserveAsync(string[] args)
    {
        await using var backend = Backend(args[0], args[1]);
        var handle = RunHandle.FromJson(args[2]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var status = args[3] switch
        {
            "wait" => await backend.WaitForCompletionAsync(handle, cancellationToken: cts.Token),
            "terminate" => await backend.TerminateAsync(handle, cts.Token),
            _ => await backend.GetStatusAsync(handle, cts.Token),
        };
        Console.Out.WriteLine($"status {status.State} {status.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
        await foreach (var line in backend.StreamLogsAsync(handle, LogStream.Stdout, follow: false, cts.Token))
        {
            Console.Out.WriteLine("line " + line);
        }

        return 0;
    }
}
