using System.Diagnostics;
using System.Text.Json;
using Stagecraft.Testing;

namespace Stagecraft.Cli.Tests;

/// <summary>What one run of the tool printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json() => JsonDocument.Parse(Stdout).RootElement;

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs the built <c>stagecraft</c> tool (same configuration as the tests) as a child process with redirected output.</summary>
public static class CliProcess
{
    public static string ToolPath
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/{configuration}/net10.0
            return RepositoryLayout.Combine("src", "Cli", "bin", configuration, "net10.0", "stagecraft.dll");
        }
    }

    public static async Task<CliResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, Func<Process, Task>? whileRunning = null)
    {
        Assert.True(File.Exists(ToolPath), $"{ToolPath} is missing: the tool must be built with the tests");
        var start = ProgramRun.StartInfo("dotnet", [ToolPath, .. args]);
        start.Environment.Remove("STAGECRAFT_STORAGE");
        start.Environment.Remove("STORAGE_EMULATOR_HOST");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var run = await ProgramRun.RunAsync(start, TimeSpan.FromMinutes(2), whileRunning);
        return new CliResult(run.ExitCode, run.Stdout, run.Stderr);
    }
}
