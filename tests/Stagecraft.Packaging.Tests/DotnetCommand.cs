using System.Diagnostics;
using System.Text;

namespace Stagecraft.Packaging.Tests;

/// <summary>Runs <c>dotnet</c> as a user would, in a clean environment (no MSBuild variables inherited from the test host).</summary>
public static class DotnetCommand
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("STAGECRAFT_STORAGE");

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }

    /// <summary>Runs and asserts exit code 0, reporting the command and its output otherwise.</summary>
    public static async Task<string> SucceedAsync(string workingDirectory, params string[] args)
    {
        var (exit, output) = await RunAsync(workingDirectory, args);
        Assert.True(exit == 0, $"dotnet {string.Join(' ', args)} (in {workingDirectory}) exited {exit}:\n{output}");
        return output;
    }
}
