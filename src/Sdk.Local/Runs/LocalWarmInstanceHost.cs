using Stagecraft.InFlight;
using Stagecraft.Local.Processes;
using Stagecraft.WarmPool;

namespace Stagecraft.Local.Runs;

/// <summary>
/// The machines of <see cref="LocalRunBackend"/>'s warm pool: worker processes on this host, each found through the run
/// directory of the launch that started it (its document's <see cref="WarmInstance.Location"/>, <c>{host}:{directory}</c>).
/// Lets <see cref="WarmPoolReaper"/> and <see cref="Stagecraft.WarmPool.WarmPool.CleanupAsync"/> look after local pools.
/// </summary>
/// <remarks>
/// A worker is alive while the supervisor recorded in its run directory lives (checked by its command line naming that
/// directory) or its process does (checked by pid and start time, so a reused pid is never taken for it). Deleting one
/// sends TERM to its process group and tree, then KILL after the grace period, as terminating a run does. Instances of
/// another host are never touched: they count as alive, and deleting one fails (clean them up from their host).
/// </remarks>
public sealed class LocalWarmInstanceHost : IWarmInstanceHost
{
    private readonly LocalRunBackendOptions _options;
    private readonly LinuxProcessTable _processes;
    private readonly string _setsid;

    /// <param name="options">The options of the <see cref="LocalRunBackend"/> whose workers these are (grace period, protected pids, clock).</param>
    /// <exception cref="PlatformNotSupportedException">Not Linux, or <c>setsid</c> is missing.</exception>
    public LocalWarmInstanceHost(LocalRunBackendOptions? options = null)
    {
        _options = options ?? new LocalRunBackendOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.TerminationGracePeriod, TimeSpan.Zero, "options.TerminationGracePeriod");
        _processes = new LinuxProcessTable(_options.TimeProvider);
        _setsid = LocalRunBackend.FindTool("setsid", "util-linux");
    }

    public string Backend => LocalRunBackend.BackendName;

    public Task<WarmMachineStatus> ProbeAsync(WarmInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!TryParseLocation(instance.Location, out var host, out var directory))
        {
            return Task.FromResult(WarmMachineStatus.Gone); // never started (no location recorded): nothing runs
        }

        if (!IsThisHost(host))
        {
            return Task.FromResult(WarmMachineStatus.Alive); // not ours to judge
        }

        var dir = LocalRunDirectory.AtPath(directory);
        return Task.FromResult(dir.LiveSupervisor() is not null || dir.CommandProcess(_setsid) is not null ? WarmMachineStatus.Alive : WarmMachineStatus.Gone);
    }

    /// <exception cref="WarmPoolException">The worker runs on another host.</exception>
    public async Task DeleteMachineAsync(WarmInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!TryParseLocation(instance.Location, out var host, out var directory))
        {
            return;
        }

        if (!IsThisHost(host))
        {
            throw new WarmPoolException($"Warm worker '{instance.InstanceId}' runs on host '{host}', not on '{Environment.MachineName}'; delete it from there.");
        }

        var dir = LocalRunDirectory.AtPath(directory);
        var deadline = _options.TimeProvider.GetUtcNow() + _options.TerminationGracePeriod + TimeSpan.FromSeconds(30);
        var spare = ProtectedProcesses.Resolve(_processes, _options.ProtectedProcessIds);
        while (dir.CommandProcess(_setsid) is { } worker)
        {
            await _processes.KillTreeAsync(worker, spare, _options.TerminationGracePeriod, cancellationToken).ConfigureAwait(false);
            if (_options.TimeProvider.GetUtcNow() > deadline)
            {
                throw new WarmPoolException($"Warm worker '{instance.InstanceId}' (pid {worker.Pid}) survived TERM and KILL.");
            }
        }

        // Its supervisor records the worker's end and exits; wait for that, so "deleted" means nothing of it runs.
        while (dir.LiveSupervisor() is not null && _options.TimeProvider.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The document location of a worker started in <paramref name="runDirectory"/> on this host.</summary>
    internal static string Location(string runDirectory) => Environment.MachineName + ":" + runDirectory;

    /// <summary>The host and run directory of a local worker's location (a bare absolute path is this host's).</summary>
    internal static bool TryParseLocation(string? location, out string host, out string directory)
    {
        (host, directory) = (Environment.MachineName, string.Empty);
        if (string.IsNullOrEmpty(location))
        {
            return false;
        }

        if (location.StartsWith('/'))
        {
            directory = location;
            return true;
        }

        var colon = location.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon + 1 >= location.Length || location[colon + 1] != '/')
        {
            return false;
        }

        (host, directory) = (location[..colon], location[(colon + 1)..]);
        return true;
    }

    private static bool IsThisHost(string host) => string.Equals(host, Environment.MachineName, StringComparison.Ordinal);
}
