using System.Diagnostics;
using System.Text;

namespace Stagecraft.Testing;

/// <summary>
/// Starts <c>Stagecraft.TestChild</c> as a real child process, for tests that crash (SIGKILL) or race
/// several processes. The test project must reference the TestChild project so its output is copied.
/// </summary>
public sealed class TestChildProcess : IDisposable
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TestChildProcess(Process process) => Process = process;

    public Process Process { get; }

    public int Id => Process.Id;

    /// <summary>Raised for each stdout line (from a reader thread).</summary>
    public event Action<string>? OutputLine;

    public string StandardOutput { get { lock (_stdout) { return _stdout.ToString(); } } }

    public string StandardError { get { lock (_stderr) { return _stderr.ToString(); } } }

    public static string ChildDllPath
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "Stagecraft.TestChild.dll");
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException("Stagecraft.TestChild.dll is not beside the test assembly; reference tests/Stagecraft.TestChild from the test project.", path);
        }
    }

    public static TestChildProcess Start(string command, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var psi = InterruptibleStart.For("dotnet");
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.ArgumentList.Add(ChildDllPath);
        psi.ArgumentList.Add(command);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                psi.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var child = new TestChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._stdoutClosed.TrySetResult();
                return;
            }

            lock (child._stdout)
            {
                child._stdout.AppendLine(e.Data);
            }

            child.OutputLine?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._stderrClosed.TrySetResult();
                return;
            }

            lock (child._stderr)
            {
                child._stderr.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public static TestChildProcess Start(string command, params string[] args) => Start(command, args, null);

    /// <summary>Waits until a stdout line satisfies <paramref name="predicate"/>, or fails after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(string line)
        {
            if (predicate(line))
            {
                tcs.TrySetResult(line);
            }
        }

        OutputLine += Handler;
        try
        {
            foreach (var line in StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (predicate(line))
                {
                    return line;
                }
            }

            // Wait for the line, or for stdout to close (the child exited and every line it wrote has been delivered).
            // Process exit alone is not enough: the async reader may still be delivering the awaited line.
            var done = await Task.WhenAny(tcs.Task, _stdoutClosed.Task, Task.Delay(timeout));
            if (done == tcs.Task)
            {
                return await tcs.Task;
            }

            foreach (var line in StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (predicate(line))
                {
                    return line;
                }
            }

            var why = done == _stdoutClosed.Task ? "closed its output without printing" : $"did not print within {timeout}";
            throw new TimeoutException($"Child {why} the expected line (exited: {Process.HasExited}).\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        }
        finally
        {
            OutputLine -= Handler;
        }
    }

    /// <summary>Waits for exit and returns the exit code, failing with the child's output after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await Process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"Child did not exit within {timeout}.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        }

        // Drain the async readers so StandardOutput is complete.
        await Task.WhenAny(Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task), Task.Delay(TimeSpan.FromSeconds(5)));
        return Process.ExitCode;
    }

    /// <summary>SIGKILL on Unix (Process.Kill sends SIGKILL), TerminateProcess on Windows.</summary>
    public void Kill()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        Process.Dispose();
    }
}
