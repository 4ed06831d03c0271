using System.Text.RegularExpressions;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Samples;

/// <summary>
/// The samples are run as the programs they are (their own build output, started with <c>dotnet</c>), so the README's
/// first command and the model-selection showcase cannot rot. Seed 002: its end-to-end test never checked that the
/// whole pipeline passed.
/// </summary>
public partial class SampleProgramTests
{
    [Fact]
    public async Task QuickStart_runs_every_stage_then_serves_every_stage_from_the_cache()
    {
        using var workspace = new TempDirectory("quickstart");

        var first = await RunSampleAsync("QuickStart", workspace.Path);
        var second = await RunSampleAsync("QuickStart", workspace.Path);

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.True(second.ExitCode == 0, second.Output);
        var (ran, cached) = Counts(first.Output);
        Assert.True(ran > 0 && cached == 0, first.Output);
        Assert.Equal((0, ran), Counts(second.Output));
        Assert.Matches(@"Accuracy\s+\d", first.Output);
        Assert.True(Directory.Exists(Path.Combine(workspace.Path, ".stagecraft")), "the sample keeps its state under ./.stagecraft");
    }

    [Fact]
    public async Task QuickStart_refuses_an_unknown_invalidate_stage_with_the_valid_names_and_exit_code_2()
    {
        using var workspace = new TempDirectory("quickstart-invalidate");

        var run = await RunSampleAsync("QuickStart", workspace.Path, "--invalidate", "Evalute");

        Assert.True(run.ExitCode == 2, run.Output);
        Assert.Contains("Unknown stage 'Evalute'. Valid stages: Split, ", run.Output, StringComparison.Ordinal);
        Assert.Contains("Evaluate", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuickStart_cloud_mode_without_settings_names_what_to_set_and_with_an_incomplete_file_names_what_is_missing()
    {
        using var workspace = new TempDirectory("quickstart-cloud");

        var unset = await RunSampleAsync("QuickStart", workspace.Path, "--cloud");
        workspace.WriteFile("gcp.json", """{ "project": "my-project", "bucket": "my-bucket" }""");
        var incomplete = await RunSampleAsync("QuickStart", workspace.Path, "--cloud");

        Assert.True(unset.ExitCode == 2, unset.Output);
        Assert.Contains("STAGECRAFT_GCP_BUCKET", unset.Output, StringComparison.Ordinal);
        Assert.Contains("gcp.example.json", unset.Output, StringComparison.Ordinal);
        Assert.True(incomplete.ExitCode == 2, incomplete.Output);
        Assert.Contains("STAGECRAFT_GCP_ZONES", incomplete.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", incomplete.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(workspace.Path, ".stagecraft")), "cloud mode must not fall back to the laptop's storage");
    }

    [Fact]
    public async Task QuickStart_redirected_output_is_plain_text_and_resume_continues_a_run_by_id()
    {
        using var workspace = new TempDirectory("quickstart-resume");
        var first = await RunSampleAsync("QuickStart", workspace.Path);
        var runId = Regex.Match(first.Output, @"Run (\S+): \d+ stage").Groups[1].Value;

        var resumed = await RunSampleAsync("QuickStart", workspace.Path, "--resume", runId);
        var unknown = await RunSampleAsync("QuickStart", workspace.Path, "--resume", "no-such-run");

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.DoesNotContain('\u001b', first.Output);
        // Long lines are not wrapped at a guessed console width: the report's full path stays on its line.
        Assert.Matches(@"(?m)^Report: \S*report\.md\r?$", first.Output);
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        Assert.Contains($"Run {runId}: 0 stage(s) ran", resumed.Output, StringComparison.Ordinal);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("no-such-run", unknown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelSelection_promotes_a_champion_and_puts_the_alias_back_after_the_staged_failure()
    {
        using var workspace = new TempDirectory("modelselection");

        var run = await RunSampleAsync("ModelSelection", workspace.Path);

        Assert.True(run.ExitCode == 0, run.Output);
        var champion = Regex.Match(run.Output, @"champion: (\S+) \(alias generation").Groups[1].Value;
        Assert.NotEmpty(champion);
        Assert.Contains($"after the failure the alias points at {champion} (recorded champion {champion})", run.Output, StringComparison.Ordinal);
        Assert.Contains("pipeline failed as staged", run.Output, StringComparison.Ordinal);
        Assert.Contains("planning with", run.Output, StringComparison.Ordinal);
    }

    private static (int Ran, int Cached) Counts(string output)
    {
        var match = RanAndCached().Match(output);
        Assert.True(match.Success, output);
        return (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Runs <c>samples/{name}</c>'s build output (same configuration as this test) in <paramref name="workingDirectory"/>.</summary>
    private static async Task<(int ExitCode, string Output)> RunSampleAsync(string name, string workingDirectory, params string[] args)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/{configuration}/net10.0
        var dll = RepositoryLayout.Combine("samples", name, "bin", configuration, "net10.0", name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the sample must be built with the tests");

        var start = ProgramRun.StartInfo("dotnet", [dll, .. args]);
        start.WorkingDirectory = workingDirectory;
        start.Environment["NO_COLOR"] = "1";
        var run = await ProgramRun.RunAsync(start, TimeSpan.FromMinutes(3));
        return (run.ExitCode, run.Stdout + run.Stderr);
    }

    [GeneratedRegex(@"(\d+) stage\(s\) ran, (\d+) served from the cache")]
    private static partial Regex RanAndCached();
}
