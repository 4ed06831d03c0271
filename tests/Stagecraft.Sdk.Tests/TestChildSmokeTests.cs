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
}
