using Stagecraft.Local.Processes;

namespace Stagecraft.Sdk.Local.Tests.Processes;

public class ProcessSignalsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(-4242)]
    [InlineData(1)]
    public void Never_signals_pid_0_negative_pids_or_init(int pid)
    {
        // Seed: `kill ${PID:-0}` with PID unset signalled the caller's whole process group.
        // (Probe is harmless if the guard ever regressed; the assertion is the exception.)
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ProcessSignals.Send(pid, PosixSignal.Probe));
        Assert.Equal(pid, ex.ActualValue);
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessSignals.SendToGroup(pid, PosixSignal.Probe));
    }

    [Fact]
    public void An_unset_pid_is_refused()
    {
        int unset = default;
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessSignals.Send(unset, PosixSignal.Terminate));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessSignals.SendToGroup(unset, PosixSignal.Kill));
    }

    [Fact]
    public void Probe_reports_existence()
    {
        Assert.True(ProcessSignals.Exists(Environment.ProcessId));
        Assert.False(ProcessSignals.Exists(0));
        Assert.False(ProcessSignals.Send(int.MaxValue - 7, PosixSignal.Probe)); // ESRCH, not an exception
    }
}
