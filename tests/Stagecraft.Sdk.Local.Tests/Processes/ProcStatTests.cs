using Stagecraft.Local.Processes;

namespace Stagecraft.Sdk.Local.Tests.Processes;

public class ProcStatTests
{
    [Fact]
    public void Parses_fields_after_a_command_name_with_spaces_and_parentheses()
    {
        const string line = "4242 (evil) name (x) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 0";
        var stat = ProcStat.Parse(line)!.Value;
        Assert.Equal(4242, stat.Pid);
        Assert.Equal('S', stat.State);
        Assert.Equal(17, stat.ParentPid);
        Assert.Equal(4242, stat.ProcessGroupId);
        Assert.Equal(4242, stat.SessionId);
        Assert.Equal(987654, stat.StartTicks);
        Assert.False(stat.HasExited);
        Assert.True((stat with { State = 'Z' }).HasExited);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("12 (x) S 1 2")]
    public void Rejects_truncated_lines(string line) => Assert.Null(ProcStat.Parse(line));

    [Fact]
    public void Reads_this_process()
    {
        var identity = ProcFs.ReadIdentity(Environment.ProcessId)!;
        Assert.Equal(Environment.ProcessId, identity.Pid);
        Assert.True(identity.StartTicks > 0);
        Assert.NotEmpty(identity.BootId);
        Assert.Contains("dotnet", identity.CommandLine, StringComparison.Ordinal);
        Assert.True(identity.IsSameProcessAs(ProcFs.ReadIdentity(Environment.ProcessId)));
        Assert.False(identity.IsSameProcessAs(identity with { StartTicks = identity.StartTicks + 1 }));
        Assert.False(identity.IsSameProcessAs(identity with { CommandLine = "other" }));
    }
}
