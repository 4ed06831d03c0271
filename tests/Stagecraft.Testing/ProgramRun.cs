using System.Diagnostics;

namespace Stagecraft.Testing;

/// <summary>
/// A finished run of a program a test starts as a user would (a system tool, <c>dotnet</c>, the CLI, a published
/// bundle): its exit code and both output streams.
/// </summary>
public sealed record ProgramRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>How long <see cref="RunAsync(string, string[])"/> lets a program run.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs <paramref name="program"/> to its end, with the test's environment.</summary>
    public static Task<ProgramRun> RunAsync(string program, params string[] arguments) =>
        RunAsync(StartInfo(program, arguments), DefaultTimeout);

    /// <summary>Runs a published program with an empty environment (<c>env -i</c>): what works so carries its own runtime.</summary>
    public static Task<ProgramRun> WithEmptyEnvironmentAsync(string program, params string[] arguments) =>
        RunAsync("env", ["-i", program, .. arguments]);

    /// <summary>Both streams redirected, no shell: add the environment or working directory, then <see cref="RunAsync(ProcessStartInfo, TimeSpan, Func{Process, Task})"/>.</summary>
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>
    /// Runs <paramref name="start"/> to its end, reading both streams as it goes (so neither pipe can fill and stall it).
    /// A program still running after <paramref name="timeout"/> is killed with its children, and the wait throws.
    /// </summary>
    /// <param name="start">A start with both streams redirected (<see cref="StartInfo"/>).</param>
    /// <param name="timeout">How long the program may run.</param>
    /// <param name="whileRunning">Acts on the running process (signals it, for example) before the wait for its end.</param>
    public static async Task<ProgramRun> RunAsync(ProcessStartInfo start, TimeSpan timeout, Func<Process, Task>? whileRunning = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            if (whileRunning is not null)
            {
                await whileRunning(process);
            }

            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProgramRun(process.ExitCode, await stdout, await stderr);
    }
}
