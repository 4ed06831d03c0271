using System.Diagnostics;

namespace Stagecraft.Sdk.Gcp.Tests.Bundles;

/// <summary>A finished run of a program (a system tool, or a published bundle's entry point): its exit code and output.</summary>
public sealed record ProgramRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Runs <paramref name="program"/> to its end, reading both streams (so neither pipe can fill and stall it).</summary>
    public static async Task<ProgramRun> RunAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new ProgramRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a published program with an empty environment (<c>env -i</c>): what works so carries its own runtime.</summary>
    public static Task<ProgramRun> WithEmptyEnvironmentAsync(string program, params string[] arguments) =>
        RunAsync("env", ["-i", program, .. arguments]);
}
