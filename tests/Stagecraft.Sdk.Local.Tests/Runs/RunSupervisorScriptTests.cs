using Stagecraft.Local.Runs;

namespace Stagecraft.Sdk.Local.Tests.Runs;

public class RunSupervisorScriptTests
{
    [Theory]
    [InlineData(0.0001, "0.001")]
    [InlineData(1.5, "1.5")]
    [InlineData(7200, "7200")]
    public void A_timeout_never_reaches_coreutils_as_zero(double seconds, string expected)
    {
        // `timeout 0s cmd` means "no timeout": a sub-millisecond timeout must not round to it (the falsy-zero seed bug).
        var args = RunSupervisorScript.Arguments("/state/r/l", TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(1), "/usr/bin/setsid", "/usr/bin/timeout", "cmd", []);
        Assert.Equal(expected, args[4]);
        Assert.Equal("none", RunSupervisorScript.Arguments("/d", null, TimeSpan.Zero, "/s", "/t", "cmd", [])[4]);
    }

    [Fact]
    public void Spec_values_travel_as_positional_parameters_never_as_script_text()
    {
        var hostile = "x\"; rm -rf ~; echo \"";
        var args = RunSupervisorScript.Arguments("/state/r/l", null, TimeSpan.FromSeconds(10), "/usr/bin/setsid", "/usr/bin/timeout", hostile, [hostile, "$(id)"]);

        Assert.Equal(["-c", RunSupervisorScript.Text, RunSupervisorScript.ProcessName, "/state/r/l", "none", "0", "10", "/usr/bin/setsid", "/usr/bin/timeout", hostile, hostile, "$(id)"], args);
        Assert.DoesNotContain(hostile, RunSupervisorScript.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_supervisor_never_sends_signals_itself()
    {
        // Every signal goes through ProcessSignals' guard; a `kill $PID` in shell is how a seed signalled pid 0.
        Assert.DoesNotMatch(@"(^|[\s;&|(])kill\s", RunSupervisorScript.Text);
    }
}
