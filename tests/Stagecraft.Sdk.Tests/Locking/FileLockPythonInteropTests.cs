using Stagecraft.Locking;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.Locking;

/// <summary>FileLock and Python's <c>fcntl.flock</c> on the same file exclude each other, both ways.</summary>
public class FileLockPythonInteropTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private const string HoldScript = """
        import fcntl, sys
        f = open(sys.argv[1], 'a+')
        fcntl.flock(f, fcntl.LOCK_EX)
        print('held', flush=True)
        sys.stdin.readline()
        fcntl.flock(f, fcntl.LOCK_UN)
        print('released', flush=True)
        """;

    private const string ProbeThenWaitScript = """
        import fcntl, sys
        f = open(sys.argv[1], 'a+')
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            print('free', flush=True)
        except BlockingIOError:
            print('busy', flush=True)
        fcntl.flock(f, fcntl.LOCK_EX)
        print('acquired', flush=True)
        """;

    [Python3Fact]
    public async Task Python_holder_blocks_FileLock_until_it_releases()
    {
        using var dir = new TempDirectory("pylock");
        var path = dir.Combine("py.lock");
        using var python = Python3.Start(HoldScript, path);
        try
        {
            await Python3.ExpectLineAsync(python, "held", Generous);

            Assert.Null(await FileLock.TryAcquireAsync(path, TimeSpan.FromMilliseconds(200)));
            var waiter = FileLock.AcquireAsync(path);
            Assert.False(waiter.IsCompleted);

            await python.StandardInput.WriteLineAsync("release");
            await python.StandardInput.FlushAsync();
            using var handle = await waiter.WaitAsync(Generous);
            Assert.True(handle.IsHeld);
        }
        finally
        {
            python.Kill();
        }
    }

    [Python3Fact]
    public async Task FileLock_holder_blocks_Python_until_it_releases()
    {
        using var dir = new TempDirectory("pylock");
        var path = dir.Combine("cs.lock");
        var handle = await FileLock.AcquireAsync(path);
        using var python = Python3.Start(ProbeThenWaitScript, path);
        try
        {
            await Python3.ExpectLineAsync(python, "busy", Generous);
            Assert.False(python.HasExited);

            await handle.DisposeAsync();
            await Python3.ExpectLineAsync(python, "acquired", Generous);
            await python.WaitForExitAsync().WaitAsync(Generous);
            Assert.Equal(0, python.ExitCode);
        }
        finally
        {
            handle.Dispose();
            python.Kill();
        }
    }
}
