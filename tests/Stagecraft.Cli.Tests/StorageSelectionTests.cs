using Stagecraft.Testing;

namespace Stagecraft.Cli.Tests;

/// <summary>How the tool finds its storage, and the errors of a bad location or command line.</summary>
public sealed class StorageSelectionTests
{
    [Fact]
    public async Task The_storage_comes_from_the_environment_when_no_option_is_given_and_file_uris_work()
    {
        using var dir = new TempDirectory("cli-env");
        var fromEnvironment = await CliProcess.RunAsync(["objects", "ls", "--json"], new Dictionary<string, string> { ["STAGECRAFT_STORAGE"] = dir.Path });
        var fromUri = await CliProcess.RunAsync(["objects", "ls", "--json", "--storage", new Uri(dir.Path).AbsoluteUri]);

        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.ToString());
        Assert.True(fromUri.ExitCode == 0, fromUri.ToString());
    }

    [Theory]
    [InlineData(CliExitCodes.UsageError, "no storage: pass --storage", "runs", "list")]
    [InlineData(CliExitCodes.UsageError, "unsupported scheme", "runs", "list", "--storage", "s3://bucket")]
    [InlineData(CliExitCodes.UsageError, "invalid storage 'gs://Bad_Bucket!'", "runs", "list", "--storage", "gs://Bad_Bucket!")]
    [InlineData(CliExitCodes.UsageError, "file:///absolute/path", "runs", "list", "--storage", "file://host/x")]
    [InlineData(CliExitCodes.UsageError, "Unrecognized command", "runs", "explode")]
    [InlineData(CliExitCodes.UsageError, "no in-flight registry", "reap")]
    [InlineData(CliExitCodes.UsageError, "Unrecognized command or argument '--storage'", "refs", "show", "/tmp", "--storage", "/tmp")]
    [InlineData(CliExitCodes.UsageError, "no storage: pass --storage", "pool", "list")]
    public async Task Bad_command_lines_are_usage_errors_that_name_the_value(int exitCode, string expected, params string[] args)
    {
        var result = await CliProcess.RunAsync(args);

        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_storage_directory_that_does_not_exist_is_not_found_and_is_not_created()
    {
        using var dir = new TempDirectory("cli-missing");
        var missing = dir.Combine("no-store");

        var result = await CliProcess.RunAsync(["runs", "list", "--storage", missing]);

        Assert.Equal(CliExitCodes.NotFound, result.ExitCode);
        Assert.Contains($"storage directory '{missing}' does not exist", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }
}
