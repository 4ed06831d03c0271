using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests;

public class TestChildSmokeTests
{
    [Fact]
    public async Task Child_process_runs_a_registered_command()
    {
        using var child = TestChildProcess.Start("echo", "hello", "world");
        Assert.Equal(0, await child.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("hello world", child.StandardOutput.Trim());
    }

    [Fact]
    public async Task A_line_printed_just_before_a_fast_exit_is_still_seen()
    {
        // Regression: WaitForLineAsync once raced process exit against the async stdout reader and
        // reported "did not print" for a line the child had printed (two reference-store crash tests failed so).
        for (var i = 0; i < 10; i++)
        {
            using var child = TestChildProcess.Start("echo", "ready");
            Assert.Equal("ready", await child.WaitForLineAsync(l => l == "ready", TimeSpan.FromSeconds(60)));
        }
    }

    [Fact]
    public async Task A_child_that_exits_without_the_line_fails_at_once_not_after_the_timeout()
    {
        using var child = TestChildProcess.Start("echo", "something-else");
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => child.WaitForLineAsync(l => l == "ready", TimeSpan.FromMinutes(10)));
        Assert.Contains("closed its output without printing", ex.Message, StringComparison.Ordinal);
    }
}
