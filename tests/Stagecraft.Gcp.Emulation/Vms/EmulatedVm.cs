using System.Diagnostics;
using System.Globalization;
using System.Text;
using Stagecraft.Gcp.Emulation.Metadata;

namespace Stagecraft.Gcp.Emulation.Vms;

/// <summary>
/// An emulated Compute Engine VM: a real <c>bash</c> process running a startup script in a sandbox directory, in its own
/// session, with its own <see cref="FakeMetadataServer"/> (<c>GCE_METADATA_HOST</c>) and storage pointed at a fake
/// (<c>STORAGE_EMULATOR_HOST</c>). Stopping it behaves like a VM shutdown: SIGTERM to the startup script and the command's
/// process group, a grace period, then SIGKILL to both.
/// </summary>
public sealed class EmulatedVm : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _console = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopping;

    private EmulatedVm(Process process, FakeMetadataServer metadata, string sandbox)
    {
        _process = process;
        Metadata = metadata;
        SandboxDirectory = sandbox;
    }

    /// <summary>The VM's metadata server.</summary>
    public FakeMetadataServer Metadata { get; }

    /// <summary>The VM's "disk": the script's working root is <c>{SandboxDirectory}/work</c>.</summary>
    public string SandboxDirectory { get; }

    /// <summary>The startup script's process id (also its process group id).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Completes with the startup script's exit code when it ends.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>What the startup script wrote to stdout/stderr (the serial console).</summary>
    public string ConsoleOutput
    {
        get
        {
            lock (_console)
            {
                return _console.ToString();
            }
        }
    }

    /// <summary>Starts the VM: its metadata server, then <c>bash</c> with <paramref name="startupScript"/>.</summary>
    /// <param name="sandbox">An existing, empty directory owned by this VM.</param>
    /// <param name="storageEndpoint">The fake storage's root URI, exported as <c>STORAGE_EMULATOR_HOST</c>.</param>
    public static async Task<EmulatedVm> StartAsync(
        string startupScript,
        string sandbox,
        Uri storageEndpoint,
        string instanceName,
        string zone,
        string projectId,
        string accessToken,
        IReadOnlyDictionary<string, string>? attributes = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(startupScript);
        ArgumentNullException.ThrowIfNull(storageEndpoint);
        var metadata = await FakeMetadataServer.StartAsync(instanceName, zone, projectId, accessToken, attributes, cancellationToken).ConfigureAwait(false);
        var scriptPath = Path.Combine(sandbox, "startup-script.sh");
        await File.WriteAllTextAsync(scriptPath, startupScript, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(Path.Combine(sandbox, "work"));

        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = sandbox,
        };
        info.ArgumentList.Add("bash");
        info.ArgumentList.Add(scriptPath);
        info.Environment["GCE_METADATA_HOST"] = metadata.Host;
        info.Environment["STORAGE_EMULATOR_HOST"] = storageEndpoint.AbsoluteUri.TrimEnd('/');
        info.Environment["STAGECRAFT_WORK_ROOT"] = Path.Combine(sandbox, "work");
        info.Environment.Remove("DOTNET_STARTUP_HOOKS");

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var vm = new EmulatedVm(process, metadata, sandbox);
        process.OutputDataReceived += (_, e) => vm.AppendConsole(e.Data);
        process.ErrorDataReceived += (_, e) => vm.AppendConsole(e.Data);
        process.Exited += (_, _) => vm.OnExited();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return vm;
    }

    /// <summary>
    /// Shuts the VM down like Compute Engine does: SIGTERM to the startup script and the command's group, up to
    /// <paramref name="grace"/> for them to finish, then SIGKILL to everything. Idempotent.
    /// </summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 0 && !_exited.Task.IsCompleted)
        {
            await SignalAsync("TERM", _process.Id, group: false).ConfigureAwait(false);
            await Task.WhenAny(_exited.Task, Task.Delay(grace, cancellationToken)).ConfigureAwait(false);
        }

        await KillAllAsync().ConfigureAwait(false);
        await _exited.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAllAsync().ConfigureAwait(false);
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        _process.Dispose();
        await Metadata.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>SIGKILL to the startup script's group and to every command group it started (from the <c>command.pid</c> files).</summary>
    private async Task KillAllAsync()
    {
        foreach (var pidFile in Directory.EnumerateFiles(Path.Combine(SandboxDirectory, "work"), "command.pid", SearchOption.AllDirectories))
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1)
            {
                await SignalAsync("KILL", pid, group: true).ConfigureAwait(false);
            }
        }

        if (!_exited.Task.IsCompleted)
        {
            await SignalAsync("KILL", _process.Id, group: true).ConfigureAwait(false);
        }
    }

    private static async Task SignalAsync(string signal, int pid, bool group)
    {
        // Never pid 0 or 1: "kill -- -0" would signal the test host's own process group.
        if (pid <= 1)
        {
            return;
        }

        var info = new ProcessStartInfo("kill") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add("-s");
        info.ArgumentList.Add(signal);
        info.ArgumentList.Add("--");
        info.ArgumentList.Add((group ? "-" : string.Empty) + pid.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(info)!;
        await kill.WaitForExitAsync().ConfigureAwait(false);
    }

    private void AppendConsole(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_console)
        {
            _console.Append(line).Append('\n');
        }
    }

    private void OnExited()
    {
        // Exited fires before the redirected streams drain; waiting here makes ConsoleOutput complete once Exited is.
        _process.WaitForExit();
        _exited.TrySetResult(_process.ExitCode);
    }
}
