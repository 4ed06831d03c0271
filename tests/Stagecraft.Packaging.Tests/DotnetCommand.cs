using Stagecraft.Testing;

namespace Stagecraft.Packaging.Tests;

/// <summary>Runs <c>dotnet</c> as a user would, in a clean environment (no MSBuild variables inherited from the test host).</summary>
public static class DotnetCommand
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, params string[] args)
    {
        var start = ProgramRun.StartInfo("dotnet", args);
        start.WorkingDirectory = workingDirectory;
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("STAGECRAFT_STORAGE");

        var run = await ProgramRun.RunAsync(start, TimeSpan.FromMinutes(10));
        return (run.ExitCode, run.Stdout + run.Stderr);
    }

    /// <summary>Runs and asserts exit code 0, reporting the command and its output otherwise.</summary>
    public static async Task<string> SucceedAsync(string workingDirectory, params string[] args)
    {
        var (exit, output) = await RunAsync(workingDirectory, args);
        Assert.True(exit == 0, $"dotnet {string.Join(' ', args)} (in {workingDirectory}) exited {exit}:\n{output}");
        return output;
    }
}
