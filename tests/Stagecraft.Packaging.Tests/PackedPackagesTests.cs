using System.Text.Json;
using Stagecraft.Testing;

namespace Stagecraft.Packaging.Tests;

/// <summary>
/// The packages as a user gets them: every package is packed into a temporary feed under a version no cache has seen,
/// a project is made from the template and run, a project on <c>&lt;Project Sdk="Stagecraft.Sdk/…"&gt;</c> gets the
/// generator's diagnostic, and the tool installed from the feed lists the first project's runs.
/// </summary>
public sealed class PackedPackagesTests(PackedFeed feed) : IClassFixture<PackedFeed>
{
    [Fact]
    public async Task Packed_template_sdk_and_tool_work_from_a_local_feed()
    {
        var version = feed.Version;
        var work = feed.Work;

        // 1. dotnet new stagecraft, build warning-free, run twice: the second run is served from the cache.
        await feed.NewExperimentAsync("Iris");
        Assert.Contains(version, await File.ReadAllTextAsync(Path.Combine(work, "Iris", "global.json")), StringComparison.Ordinal);
        Assert.DoesNotContain("ProjectReference", await File.ReadAllTextAsync(Path.Combine(work, "Iris", "Iris", "Iris.csproj")), StringComparison.Ordinal);
        var project = Path.Combine(work, "Iris", "Iris");
        var build = await DotnetCommand.SucceedAsync(project, "build");
        Assert.Contains("0 Warning(s)", build, StringComparison.Ordinal);
        var first = await DotnetCommand.SucceedAsync(project, "run", "--no-build");
        var second = await DotnetCommand.SucceedAsync(project, "run", "--no-build");
        Assert.Contains("Succeeded: 3 stage(s) ran, 0 served from the cache", first, StringComparison.Ordinal);
        Assert.Contains("Succeeded: 0 stage(s) ran, 3 served from the cache", second, StringComparison.Ordinal);

        // The app-bundle target ships in the package: a build with StagecraftCloudBundle leaves the self-contained
        // linux-x64 publish (apphost and runtime) where Stagecraft.Sdk.Gcp looks for it, beside the program.
        var bundled = await DotnetCommand.SucceedAsync(project, "build", "-p:StagecraftCloudBundle=true");
        var bundleDirectory = Path.Combine(project, "bin", "Debug", "net10.0", "stagecraft-bundle", "linux-x64");
        Assert.True(File.Exists(Path.Combine(bundleDirectory, "Iris")), bundled);
        Assert.True(File.Exists(Path.Combine(bundleDirectory, "libcoreclr.so")), "The bundle output carries no runtime: " + bundled);

        // 2. The project SDK: a deliberate type mismatch is the generator's SC1003 at build time.
        var mismatch = Path.Combine(work, "Mismatch");
        Directory.CreateDirectory(mismatch);
        await File.WriteAllTextAsync(Path.Combine(mismatch, "Mismatch.csproj"), $"""
            <Project Sdk="Stagecraft.Sdk/{version}">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(mismatch, "Program.cs"), """
            Console.WriteLine(Broken.Graph.Name);

            [Pipeline]
            public static partial class Broken
            {
                [Stage] public static Count Measure() => new(3);
                [Stage] public static string Describe([From(nameof(Measure))] string count) => count;
            }

            public sealed record Count(int Value);
            """);
        var (mismatchExit, mismatchOutput) = await DotnetCommand.RunAsync(mismatch, "build");
        Assert.NotEqual(0, mismatchExit);
        Assert.Contains("error SC1003", mismatchOutput, StringComparison.Ordinal);

        // 3. The tool from the feed lists the template project's runs.
        var tools = feed.Combine("tools");
        await DotnetCommand.SucceedAsync(work, "tool", "install", "Stagecraft.Cli", "--version", version, "--tool-path", tools);
        var (listExit, listOutput) = await RunToolAsync(tools, project, "runs", "list", "--json", "--storage", Path.Combine(project, ".stagecraft", "storage"));
        Assert.True(listExit == 0, listOutput);
        var runs = JsonDocument.Parse(listOutput).RootElement;
        Assert.Equal(2, runs.GetArrayLength());
        Assert.All(runs.EnumerateArray(), run => Assert.Equal("Succeeded", run.GetProperty("status").GetString()));
    }

    /// <summary>
    /// <c>dotnet new stagecraft --tests</c> in a fresh directory: the test project it creates restores from the feed,
    /// builds warning-free and its tests pass (the pipeline succeeds, a second run is fully cached).
    /// </summary>
    [Fact]
    public async Task The_test_project_of_the_template_builds_and_its_tests_pass()
    {
        var solution = await feed.NewExperimentAsync("Petals", "--tests");
        var tests = Path.Combine(solution, "Petals.Tests");
        Assert.True(File.Exists(Path.Combine(tests, "Petals.Tests.csproj")), "--tests created no Petals.Tests project");

        var build = await DotnetCommand.SucceedAsync(tests, "build");
        Assert.Contains("0 Warning(s)", build, StringComparison.Ordinal);
        var run = await DotnetCommand.SucceedAsync(tests, "test", "--no-build");
        Assert.Matches(@"Passed!\s+- Failed:\s+0, Passed:\s+[1-9]", run);
    }

    private static async Task<(int ExitCode, string Output)> RunToolAsync(string tools, string workingDirectory, params string[] args)
    {
        var start = ProgramRun.StartInfo(Path.Combine(tools, "stagecraft"), args);
        start.WorkingDirectory = workingDirectory;
        var run = await ProgramRun.RunAsync(start, TimeSpan.FromMinutes(2));
        return (run.ExitCode, run.ExitCode == 0 ? run.Stdout : run.Stdout + run.Stderr);
    }
}
