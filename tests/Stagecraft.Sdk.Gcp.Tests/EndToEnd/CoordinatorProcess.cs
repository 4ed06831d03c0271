using System.Diagnostics;
using System.Globalization;
using System.Text;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Gcp.Tests.EndToEnd;

/// <summary>A coordinator running as its own process, so a test can interrupt (SIGINT) or kill (SIGKILL) it mid-run.</summary>
public sealed class CoordinatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private CoordinatorProcess(Process process) => _process = process;

    public int ProcessId => _process.Id;

    /// <summary>What the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="environment">Variables to set (a null value removes the variable).</param>
    public static CoordinatorProcess Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var info = InterruptibleStart.For(program);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        info.UseShellExecute = false;
        info.WorkingDirectory = Path.GetDirectoryName(program)!;
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = info };
        var coordinator = new CoordinatorProcess(process);
        process.OutputDataReceived += (_, e) => coordinator.Append(e.Data);
        process.ErrorDataReceived += (_, e) => coordinator.Append(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return coordinator;
    }

    /// <summary>Sends <paramref name="signal"/> (e.g. <c>INT</c> for Ctrl-C, <c>KILL</c>) to the process.</summary>
    public async Task SignalAsync(string signal)
    {
        var info = new ProcessStartInfo("kill") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add("-s");
        info.ArgumentList.Add(signal);
        info.ArgumentList.Add(_process.Id.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(info)!;
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits for the process to end and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Append(line).Append('\n');
            }
        }
    }
}
