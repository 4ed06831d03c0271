using System.Globalization;
using System.Text.Json;
using Stagecraft.InFlight;
using Stagecraft.IO;
using Stagecraft.Local.Processes;
using Stagecraft.Runs;

namespace Stagecraft.Local.Runs;

/// <summary>
/// The machine-local directory of one launch (<c>{state}/{runId}/{launchId}/</c>): what the supervisor writes
/// (pids, logs, the exit code) and what the backend leaves for it (the terminate request). Found in O(1) from a handle.
/// </summary>
internal sealed class LocalRunDirectory
{
    public LocalRunDirectory(string stateDirectory, RunHandle handle)
    {
        // Both parts were validated (run id: DNS label; launch id: [a-z0-9-]), so they cannot escape the state directory.
        Path = System.IO.Path.Combine(stateDirectory, handle.RunId, handle.LaunchId);
    }

    public string Path { get; }

    public string Stdout => File(LogStream.Stdout);

    public string Stderr => File(LogStream.Stderr);

    public string WorkDirectory => System.IO.Path.Combine(Path, "work");

    public string SnapshotFile => System.IO.Path.Combine(Path, "snapshot.bin");

    private string ExitCodeFile => System.IO.Path.Combine(Path, "exit_code");

    private string TerminateMarker => System.IO.Path.Combine(Path, "terminate_requested");

    private string CommandIdentityFile => System.IO.Path.Combine(Path, "command.identity.json");

    public bool Exists => Directory.Exists(Path);

    /// <summary>For a launch run by a warm worker: the run directory of the launch whose supervisor runs that worker.</summary>
    public string? WarmInstanceDirectory => WarmInstance?.Directory;

    /// <summary>For a launch run by a warm worker: that worker's run directory (see <see cref="WarmInstanceDirectory"/>) and pool instance id.</summary>
    public (string Directory, string? InstanceId)? WarmInstance =>
        ReadSmallFile(System.IO.Path.Combine(Path, "warm_instance"))?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is [{ } directory, .. var rest]
            ? (directory, rest is [{ } id, ..] ? id : null)
            : null;

    /// <summary>Directories where a warm worker keeps each job's logs until it ships them.</summary>
    public string WarmLogDirectory => System.IO.Path.Combine(Path, "warm-logs");

    public void RecordWarmInstance(string instanceDirectory, string instanceId) =>
        AtomicFile.WriteAllText(System.IO.Path.Combine(Path, "warm_instance"), instanceDirectory + "\n" + instanceId + "\n");

    /// <summary>The directory at <paramref name="path"/> (one a warm run recorded).</summary>
    public static LocalRunDirectory AtPath(string path) => new(path);

    private LocalRunDirectory(string path) => Path = path;

    public string File(LogStream stream) => System.IO.Path.Combine(Path, stream == LogStream.Stdout ? "stdout.log" : "stderr.log");

    public void Create() => Directory.CreateDirectory(Path);

    /// <summary>The exit record the supervisor wrote, or null while the command runs.</summary>
    public RunExitRecord? ReadExit()
    {
        var text = ReadSmallFile(ExitCodeFile);
        return text is not null && RunExitRecord.TryParse(text, out var record) ? record : null;
    }

    /// <summary>The live supervisor (verified by its command line naming this directory), or null.</summary>
    public ProcessIdentity? LiveSupervisor()
    {
        if (ReadPid("supervisor.pid") is not { } pid || ProcFs.ReadIdentity(pid) is not { } identity)
        {
            return null;
        }

        return identity.CommandLine.Contains(RunSupervisorScript.ProcessName, StringComparison.Ordinal)
            && identity.CommandLine.Contains(Path, StringComparison.Ordinal) ? identity : null;
    }

    public bool SupervisorStarted => ReadPid("supervisor.pid") is not null;

    /// <summary>
    /// The command's process (the session leader the supervisor started), or null before it started or once it is gone.
    /// While the supervisor lives, the command is recognised as its child that leads its own session and has finished
    /// exec'ing past <c>setsid</c> (parentage survives the command exec'ing another program); that identity is kept in the
    /// run directory, so the tree can still be found, with pid reuse ruled out, if the supervisor is gone.
    /// </summary>
    public ProcessIdentity? CommandProcess(string setsidPath)
    {
        if (ReadPid("command.pid") is { } pid && LiveSupervisor() is { } supervisor
            && ProcFs.ReadStat(pid) is { HasExited: false } stat && stat.ParentPid == supervisor.Pid && stat.SessionId == pid
            && ProcFs.ReadIdentity(pid) is { } identity
            && !identity.CommandLine.StartsWith(setsidPath + " ", StringComparison.Ordinal))
        {
            if (!identity.Equals(ReadCachedCommand()))
            {
                AtomicFile.WriteAllBytes(CommandIdentityFile, JsonSerializer.SerializeToUtf8Bytes(identity, LocalRunsJsonContext.Default.ProcessIdentity));
            }

            return identity;
        }

        return ReadCachedCommand() is { } cached && cached.IsSameProcessAs(ProcFs.ReadIdentity(cached.Pid)) ? cached : null;
    }

    private ProcessIdentity? ReadCachedCommand()
    {
        if (ReadSmallFile(CommandIdentityFile) is not { } json)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, LocalRunsJsonContext.Default.ProcessIdentity);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public bool CommandStarted => ReadPid("command.pid") is not null;

    /// <summary>Whether a terminate of this launch was requested.</summary>
    public bool TerminationRequested => System.IO.File.Exists(TerminateMarker);

    /// <summary>Tells the supervisor that the end of the command is a termination (and not to start it if it has not yet).</summary>
    public void RequestTermination() => AtomicFile.WriteAllText(TerminateMarker, "terminate\n");

    /// <summary>Records an exit the supervisor could not (it is gone); never overwrites one it wrote.</summary>
    public RunExitRecord RecordExitIfAbsent(RunExitRecord record)
    {
        if (ReadExit() is { } existing)
        {
            return existing;
        }

        AtomicFile.WriteAllText(ExitCodeFile, record.Format());
        return record;
    }

    private int? ReadPid(string name) =>
        ReadSmallFile(System.IO.Path.Combine(Path, name)) is { } text
        && int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1 ? pid : null;

    private static string? ReadSmallFile(string path)
    {
        try
        {
            return System.IO.File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }
}
