using Stagecraft.Runs;

namespace Stagecraft.Sdk.Tests.Runs;

public class RunPathsTests
{
    [Fact]
    public void Keys_live_under_one_runs_prefix()
    {
        var p = new RunPaths("exp-42");
        Assert.Equal("runs/exp-42/", p.Root);
        Assert.Equal("runs/exp-42/exit_code", p.ExitCode);
        Assert.Equal("runs/exp-42/outputs/model/w.bin", p.Output("model/w.bin"));
        Assert.Equal("runs/exp-42/logs/stdout/000000000007", p.LogChunk(LogStream.Stdout, 7));
    }

    [Fact]
    public void No_key_ever_contains_runs_twice()
    {
        var p = new RunPaths("runs");
        Assert.Equal("runs/runs/exit_code", p.ExitCode); // a run may be *named* runs; the prefix is added once
        Assert.DoesNotContain("runs/runs/runs", p.LogChunk(LogStream.Stdout, 0), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("-lead")]
    [InlineData("trail-")]
    [InlineData("has_underscore")]
    [InlineData("runs/x")]
    public void Invalid_run_ids_are_rejected(string id)
    {
        var ex = Assert.Throws<ArgumentException>(() => new RunPaths(id));
        Assert.Contains(id, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_id_length_limit_is_63() =>
        Assert.Throws<ArgumentException>(() => new RunPaths(new string('a', 64)));
}
