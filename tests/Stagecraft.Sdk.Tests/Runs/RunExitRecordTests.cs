using Stagecraft.Runs;

namespace Stagecraft.Sdk.Tests.Runs;

public class RunExitRecordTests
{
    [Theory]
    [InlineData("0 exited\n", 0, RunExitReason.Exited)]
    [InlineData("3", 3, RunExitReason.Exited)]
    [InlineData("143 terminated\n", 143, RunExitReason.Terminated)]
    [InlineData("124 timeout", 124, RunExitReason.TimedOut)]
    [InlineData("-1 exited", -1, RunExitReason.Exited)]
    public void Parses_the_wire_format(string content, int code, RunExitReason reason)
    {
        var record = RunExitRecord.Parse(content);
        Assert.Equal(code, record.ExitCode);
        Assert.Equal(reason, record.Reason);
        Assert.Equal(record, RunExitRecord.Parse(record.Format()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1 2 3")]
    [InlineData("0 finished")]
    [InlineData("99999999999")]
    public void Rejects_anything_else(string content) => Assert.Throws<FormatException>(() => RunExitRecord.Parse(content));

    [Fact]
    public void Exit_codes_map_to_states_in_one_place()
    {
        Assert.Equal(RunState.Succeeded, new RunExitRecord(0).ToStatus().State);
        var failed = new RunExitRecord(3).ToStatus();
        Assert.Equal((RunState.Failed, 3), (failed.State, failed.ExitCode));
        var killed = new RunExitRecord(137).ToStatus();
        Assert.Equal(RunState.Failed, killed.State);
        Assert.Contains("SIGKILL", killed.Message, StringComparison.Ordinal);
        Assert.Equal(RunState.Terminated, new RunExitRecord(143, RunExitReason.Terminated).ToStatus().State);
        var timedOut = new RunExitRecord(124, RunExitReason.TimedOut).ToStatus();
        Assert.Equal(RunState.Failed, timedOut.State);
        Assert.Contains("Timed out", timedOut.Message, StringComparison.Ordinal);
        Assert.All([RunState.Succeeded, RunState.Failed, RunState.Terminated, RunState.Lost], s => Assert.True(RunStatus.IsTerminalState(s)));
        Assert.All([RunState.Pending, RunState.Preparing, RunState.Running], s => Assert.False(RunStatus.IsTerminalState(s)));
    }
}
