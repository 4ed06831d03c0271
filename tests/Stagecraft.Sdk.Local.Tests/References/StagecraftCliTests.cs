using Stagecraft.Cli;
using Stagecraft.References;
using Stagecraft.TestChild;
using static Stagecraft.Sdk.Local.Tests.References.ReferenceBed;

namespace Stagecraft.Sdk.Local.Tests.References;

/// <summary><c>stagecraft refs merge</c>: one line per merged key, a SKIPPED line per skipped key, the ignored count, exit codes.</summary>
public class StagecraftCliTests
{
    [Fact]
    public async Task Refs_merge_prints_merged_and_skipped_keys_and_the_ignored_shard_count()
    {
        using var bed = new ReferenceBed();
        await bed.PutTreeSliceAsync("h-1", "db_a", "fp-a", T(5));
        await bed.PutTreeSliceAsync("h-1", "db_b", "fp-b", T(5), complete: false);
        await BuildAsync(bed.Laptop, "db_c", "local-c", T(50));
        await bed.PutTreeSliceAsync("h-2", "db_c", "cloud-c", T(10));

        var (exit, stdout, stderr) = await RunAsync("refs", "merge", "--run", RunId, "--kind", Kind, "--root", bed.Laptop, "--storage", bed.StorageDirectory);

        Assert.True(exit == CliExitCodes.Success, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var fileCount = ReferenceTreeContent.Files("fp-a").Count() + 1;
        Assert.Equal($"merged db_a: {fileCount} files, fingerprint fp-a, from h-1", lines[0]);
        Assert.StartsWith("SKIPPED db_b: no shard has a complete upload", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("SKIPPED db_c: the local marker 'local-c'", lines[2], StringComparison.Ordinal);
        Assert.Equal("ignored shards: 1", lines[3]);
        Assert.Equal("h-1/db_b: no _upload_complete: the upload did not finish", lines[4]);
        Assert.Equal("1 merged, 2 skipped; report: runs/run-1/merge_report.json", lines[5]);
        Assert.NotNull(await bed.TryReadAsync(bed.Paths.MergeReport));
        await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Laptop, "db_a"), "fp-a");
    }

    [Fact]
    public async Task Refs_merge_exits_non_zero_when_nothing_could_be_read()
    {
        using var bed = new ReferenceBed();
        await bed.PutTreeSliceAsync("h-1", "db", "fp", T(5), complete: false);

        var (exit, stdout, stderr) = await RunAsync("refs", "merge", "--run", RunId, "--kind", Kind, "--root", bed.Laptop, "--storage", bed.StorageDirectory);

        Assert.Equal(CliExitCodes.NothingRead, exit);
        Assert.Contains("SKIPPED db:", stdout, StringComparison.Ordinal);
        Assert.Contains("nothing could be read", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refs_merge_exits_non_zero_when_the_storage_directory_does_not_exist()
    {
        using var bed = new ReferenceBed();

        var (exit, _, stderr) = await RunAsync("refs", "merge", "--run", RunId, "--kind", Kind, "--root", bed.Laptop, "--storage", bed.Dir.Combine("no-such-store"));

        Assert.Equal(CliExitCodes.NothingRead, exit);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(bed.Dir.Combine("no-such-store")));
    }

    [Theory]
    [InlineData("refs", "merge", "--run", "run-1", "--kind", "otf", "--root", "/tmp/x")]
    [InlineData("refs", "merge", "--run", "Bad_Id", "--kind", "otf", "--root", "/tmp/x", "--storage", "/tmp")]
    [InlineData("refs", "merge", "--run", "run-1", "--kind", "a/b", "--root", "/tmp/x", "--storage", "/tmp")]
    public async Task Refs_merge_reports_usage_errors(params string[] args)
    {
        var (exit, _, stderr) = await RunAsync(args);

        Assert.Equal(CliExitCodes.UsageError, exit);
        Assert.False(string.IsNullOrWhiteSpace(stderr));
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await StagecraftCli.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
