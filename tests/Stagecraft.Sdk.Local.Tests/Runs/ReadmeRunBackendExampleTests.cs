using System.Text.RegularExpressions;
using Stagecraft.Local.Runs;
using Stagecraft.Local.Storage;
using Stagecraft.Runs;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Runs;

/// <summary>The README's run-backend example compiles and runs: it is the marked region below, kept identical by a test.</summary>
public partial class ReadmeRunBackendExampleTests
{
    [Fact]
    public async Task The_readme_example_runs()
    {
        using var dir = new TempDirectory("readme-runs");
        var storageDirectory = dir.Combine("storage");
        var stateDirectory = dir.Combine("state");
        var handlePath = dir.Combine("handle.json");

        // README: run-backends begin
        var storage = new LocalObjectStorage(storageDirectory);
        await using var backend = new LocalRunBackend(storage, new LocalRunBackendOptions { StateDirectory = stateDirectory });

        var spec = new RunSpec("train-42", "/bin/sh", ["-c", "echo training with seed $SEED"])
        {
            Environment = new Dictionary<string, string> { ["SEED"] = "7" },
            Timeout = TimeSpan.FromMinutes(30),
        };
        var handle = await backend.LaunchAsync(spec);
        await File.WriteAllTextAsync(handlePath, handle.ToJson()); // any later process can pick the run up from this

        await foreach (var line in backend.StreamLogsAsync(handle, LogStream.Stdout, follow: true))
        {
            Console.WriteLine(line); // "training with seed 7", as it is written
        }

        var status = await backend.WaitForCompletionAsync(handle); // Succeeded, exit code 0
        // README: run-backends end

        Assert.Equal((RunState.Succeeded, 0), (status.State, status.ExitCode));
        Assert.Equal(handle, RunHandle.FromJson(await File.ReadAllTextAsync(handlePath)));
    }

    [Fact]
    public void The_readme_shows_exactly_the_tested_example()
    {
        var source = File.ReadAllLines(RepositoryLayout.Combine("tests", "Stagecraft.Sdk.Local.Tests", "Runs", "ReadmeRunBackendExampleTests.cs"));
        var begin = Array.FindIndex(source, l => l.Trim() == "// README: run-backends begin");
        var end = Array.FindIndex(source, l => l.Trim() == "// README: run-backends end");
        var tested = Dedent(source[(begin + 1)..end]);

        var readme = File.ReadAllText(RepositoryLayout.Combine("README.md"));
        var section = readme[readme.IndexOf("## Run backends", StringComparison.Ordinal)..];
        var shown = CodeBlock().Match(section).Groups["code"].Value.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');

        Assert.Equal(tested, shown);
    }

    private static string[] Dedent(string[] lines)
    {
        var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return [.. lines.Select(l => l.Trim().Length == 0 ? string.Empty : l[indent..])];
    }

    [GeneratedRegex("```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
