using Stagecraft.Local.Processes;

namespace Stagecraft.Sdk.Local.Tests.Processes;

public class LinuxProcessTableTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private readonly LinuxProcessTable _table = new();

    [Fact]
    public async Task Kills_a_whole_tree_including_children_that_ignore_SIGTERM_and_reparented_grandchildren()
    {
        using var tree = await ChildProcessTree.StartAsync("shell", "stubborn", "nested");
        var root = _table.GetIdentity(tree.Pid("root"))!;

        var result = await _table.KillTreeAsync(root, new HashSet<int>(), TimeSpan.FromMilliseconds(300));

        Assert.Empty(await ChildProcessTree.SurvivorsAfterAsync(tree.AllPids, Generous));
        Assert.Empty(result.Survivors);
        Assert.False(result.RootMismatch);
        Assert.Equal(tree.AllPids.Order(), result.Killed.Select(k => k.Pid).Order());
    }

    [Fact]
    public async Task Spares_protected_processes_but_kills_their_descendants()
    {
        using var tree = await ChildProcessTree.StartAsync("sleeper", "nested");
        var nested = tree.Pid("nested");
        var nestedSleeper = tree.Processes.Last(p => p.Role == "sleeper").Pid; // the nested tree's own sleeper

        var result = await _table.KillTreeAsync(_table.GetIdentity(tree.Pid("root"))!, new HashSet<int> { nested }, TimeSpan.FromSeconds(5));

        Assert.Equal([nested], result.Spared.Select(s => s.Pid));
        Assert.True(ChildProcessTree.IsAlive(nested));
        Assert.Empty(await ChildProcessTree.SurvivorsAfterAsync(tree.AllPids.Where(p => p != nested), Generous));
        Assert.Contains(nestedSleeper, result.Killed.Select(k => k.Pid));
    }

    [Fact]
    public async Task Does_nothing_when_the_recorded_identity_no_longer_matches()
    {
        using var tree = await ChildProcessTree.StartAsync("sleeper");
        var real = _table.GetIdentity(tree.Pid("sleeper"))!;
        var recycled = real with { StartTicks = real.StartTicks - 1 }; // what a record of an earlier process with this pid looks like

        var result = await _table.KillTreeAsync(recycled, new HashSet<int>(), TimeSpan.Zero);

        Assert.True(result.RootMismatch);
        Assert.Empty(result.Killed);
        Assert.True(ChildProcessTree.IsAlive(real.Pid));
    }

    [Fact]
    public void Finds_processes_by_command_line_marker_but_never_itself()
    {
        var marker = "--marker-" + Guid.NewGuid().ToString("N");
        using var child = Stagecraft.Testing.TestChildProcess.Start("echo", "x"); // unrelated
        Assert.Empty(_table.FindByCommandLine(marker));
        Assert.DoesNotContain(_table.FindByCommandLine("dotnet"), p => p.Pid == Environment.ProcessId);
    }

    [Fact]
    public void Parent_of_this_process_is_known() =>
        Assert.Equal(ProcFs.ReadStat(Environment.ProcessId)!.Value.ParentPid, _table.GetParentProcessId(Environment.ProcessId));
}
