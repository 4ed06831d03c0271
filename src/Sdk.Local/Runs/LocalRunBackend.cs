using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stagecraft.InFlight;
using Stagecraft.IO;
using Stagecraft.Local.Processes;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Runs.Logs;
using Stagecraft.Storage;
using Stagecraft.Telemetry;
using Stagecraft.WarmPool;

namespace Stagecraft.Local.Runs;

/// <summary>
/// Runs each <see cref="RunSpec"/> as a child process on this machine, in its own session, behind a small supervisor
/// that records the exit code even if this process dies (see <see cref="RunSupervisorScript"/>). Logs go to files in the
/// run directory and are shipped as numbered chunks (<see cref="RunLogShipper"/>) periodically and at the end; the exit
/// code is then published (<see cref="RunExitPublisher"/>), which is what status is read from. Logs are read back from
/// storage (<see cref="RunLogReader"/>), the same way as on every backend.
/// </summary>
/// <remarks>
/// <para>
/// Recovery: everything is found from the handle in O(1) — <see cref="RunPaths.RunRecord"/> and
/// <see cref="RunPaths.ExitCode"/> in storage, and <c>{StateDirectory}/{runId}/{launchId}/</c> on this machine. A backend
/// created in a new process reports status and logs of runs an earlier one launched, adopts the shipping of their logs,
/// and publishes their exit codes. Runs outlive the backend: disposing it stops shipping, not the runs.
/// </para>
/// <para>Linux only (procfs, <c>setsid</c> and coreutils <c>timeout</c>); container images are not supported.</para>
/// </remarks>
public sealed partial class LocalRunBackend : IRunBackend
{
    /// <summary>The name in every handle this backend issues.</summary>
    public const string BackendName = "local";

    private static readonly ActivitySource Activities = new(StagecraftTelemetry.LocalRunsSource);
    private static readonly TimeSpan FilePollInterval = TimeSpan.FromMilliseconds(20);

    private readonly IObjectStorage _storage;
    private readonly LocalRunBackendOptions _options;
    private readonly LinuxProcessTable _processes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _setsid;
    private readonly string _timeout;
    private readonly string _stateDirectory;
    private readonly ConcurrentDictionary<string, Lazy<Task>> _monitors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (RunLogShipper Stdout, RunLogShipper Stderr)> _shippers = new(StringComparer.Ordinal);
    private readonly RunLogReader _logReader;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Stagecraft.WarmPool.WarmPool? _pool;
    private readonly Lazy<LocalWarmInstanceHost> _warmHost;

    // Run records never change once written; kept while their runs are watched, so a status poll reads only what changes.
    private readonly ConcurrentDictionary<string, LocalRunRecord> _records = new(StringComparer.Ordinal);

    /// <exception cref="PlatformNotSupportedException">Not Linux, or <c>setsid</c>/<c>timeout</c> are missing.</exception>
    public LocalRunBackend(IObjectStorage storage, LocalRunBackendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
        _options = options ?? new LocalRunBackendOptions();
        ArgumentException.ThrowIfNullOrEmpty(_options.StateDirectory, "options.StateDirectory");
        foreach (var (value, name) in new[] { (_options.LogShipInterval, "LogShipInterval"), (_options.StatusPollInterval, "StatusPollInterval"), (_options.LaunchTimeout, "LaunchTimeout") })
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, "options." + name);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(_options.TerminationGracePeriod, TimeSpan.Zero, "options.TerminationGracePeriod");
        _time = _options.TimeProvider;
        _processes = new LinuxProcessTable(_time);
        _logger = _options.LoggerFactory.CreateLogger<LocalRunBackend>();
        _setsid = FindTool("setsid", "util-linux");
        _timeout = FindTool("timeout", "coreutils");
        _stateDirectory = Path.GetFullPath(_options.StateDirectory);
        _pool = _options.WarmPool is { } pool ? new Stagecraft.WarmPool.WarmPool(storage, pool with { LoggerFactory = pool.LoggerFactory.OrInherited(_options.LoggerFactory) }) : null;
        _warmHost = new Lazy<LocalWarmInstanceHost>(() => new LocalWarmInstanceHost(_options));
        _logReader = new RunLogReader(storage, new RunLogReaderOptions { PollInterval = _options.StatusPollInterval, TimeProvider = _time });
        Capabilities = new BackendCapabilities
        {
            Name = BackendName,
            SupportsContainerImages = false,
            SupportsSnapshots = true,
            ExpectedLaunchDelay = TimeSpan.FromSeconds(5),
            StatusPollInterval = _options.StatusPollInterval,
            LogLatency = _options.LogShipInterval,
            TerminationGracePeriod = _options.TerminationGracePeriod,
            RecoversRunsAfterRestart = true,
        };
    }

    public BackendCapabilities Capabilities { get; }

    /// <summary>The warm pool launches of pooled profiles go through (null when <see cref="LocalRunBackendOptions.WarmPool"/> is not set).</summary>
    public Stagecraft.WarmPool.WarmPool? WarmPool => _pool;

    /// <summary>This backend's warm workers as machines, for <see cref="WarmPoolReaper"/> and <see cref="Stagecraft.WarmPool.WarmPool.CleanupAsync"/>.</summary>
    public LocalWarmInstanceHost WarmInstanceHost => _warmHost.Value;

    public async Task<RunHandle> LaunchAsync(RunSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        if (spec.Image is not null)
        {
            throw new InvalidRunSpecException(nameof(RunSpec.Image), spec.Image, "cannot be used: the local backend runs commands directly (BackendCapabilities.SupportsContainerImages is false)");
        }

        using var activity = Activities.StartActivity("LocalRunBackend.Launch");
        activity?.SetTag(StagecraftTags.RunId, spec.RunId);
        var handle = new RunHandle(BackendName, spec.RunId, RunHandle.NewLaunchId());
        var dir = new LocalRunDirectory(_stateDirectory, handle);
        var workDirectory = spec.WorkingDirectory ?? dir.WorkDirectory;
        var record = new LocalRunRecord(
            LocalRunRecord.CurrentVersion, BackendName, spec.RunId, handle.LaunchId, Environment.MachineName, dir.Path, _time.GetUtcNow(),
            spec.Command, spec.Arguments, [.. spec.Environment.Keys.Order(StringComparer.Ordinal)], workDirectory, spec.Timeout?.TotalSeconds,
            spec.ResourceProfile ?? _options.DefaultResourceProfile, spec.Labels, spec.InputPrefix, spec.EffectiveOutputPrefix);

        // A pooled launch stores its warm job while it claims the run id: the job is inert until a claim names this run,
        // and a claimed worker then finds it at once. It is withdrawn if the run id is taken or no worker takes it.
        var profile = spec.ResourceProfile ?? _options.DefaultResourceProfile;
        var warmPool = _pool is { } pool && pool.IsEnabled(profile) ? pool : null;
        Task? jobStored = null;
        if (warmPool is not null)
        {
            dir.Create();
            var job = new WarmWorkerJob { WorkingDirectory = workDirectory, Environment = RunEnvironment(spec, handle, dir), Timeout = spec.Timeout };
            jobStored = warmPool.PutJobAsync(profile, spec.RunId, job.ToJson(), cancellationToken);
        }

        // Claim the run id first: a second launch under the same id would share its logs and exit code, and its status would report the other launch's result.
        try
        {
            using var json = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(record, LocalRunsJsonContext.Default.LocalRunRecord));
            await _storage.PutAsync(handle.Paths.RunRecord, json, new PutObjectOptions { IfGenerationMatch = 0, ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException ex)
        {
            await WithdrawJobAsync(warmPool, jobStored, profile, spec.RunId).ConfigureAwait(false);
            throw new RunAlreadyExistsException($"A run with id '{spec.RunId}' already exists; run ids are never reused.", ex);
        }
        catch (Exception)
        {
            await WithdrawJobAsync(warmPool, jobStored, profile, spec.RunId).ConfigureAwait(false);
            throw;
        }

        dir.Create();
        Directory.CreateDirectory(workDirectory);
        WarmRegistration? registration = null;
        if (warmPool is not null)
        {
            if (await TryLaunchWarmAsync(warmPool, spec, profile, handle, dir, jobStored!, cancellationToken).ConfigureAwait(false))
            {
                return handle;
            }

            registration = await warmPool.TryRegisterAsync(profile, spec.RunId, BackendName, cancellationToken).ConfigureAwait(false);
        }

        var psi = new ProcessStartInfo(_setsid)
        {
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
            // The supervisor re-points its stdio at files before doing anything; our ends are closed right away, so the
            // run never holds this process's stdout open (a test host waiting for EOF would hang).
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add("/bin/sh");
        // A warm worker outlives its first run, so its process has no timeout: the worker enforces each job's.
        foreach (var arg in RunSupervisorScript.Arguments(dir.Path, registration is null ? spec.Timeout : null, _options.TerminationGracePeriod, _setsid, _timeout, spec.Command, spec.Arguments))
        {
            psi.ArgumentList.Add(arg);
        }

        ConfigureEnvironment(psi, spec, handle, dir);
        if (registration is not null)
        {
            // The worker ships every job's logs and exit code itself (its first job's too), so nothing here ships them.
            dir.RecordWarmInstance(dir.Path, registration.Instance.InstanceId);
            var settings = new WarmWorkerSettings
            {
                FirstJobTimeout = spec.Timeout,
                TerminationGracePeriod = _options.TerminationGracePeriod,
                Root = _pool!.Options.Root,
                Profile = profile,
                InstanceId = registration.Instance.InstanceId,
                IdleTimeout = _pool.Options.For(profile)!.IdleTimeout,
                PollInterval = _options.WarmPoolPollInterval,
                LogDirectory = dir.WarmLogDirectory,
            };
            foreach (var (name, value) in settings.ToEnvironment())
            {
                psi.Environment[name] = value;
            }
        }

        Process supervisor;
        try
        {
            supervisor = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null.");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // Record why, so the run is Failed rather than forever Preparing.
            await File.WriteAllTextAsync(dir.Stderr, $"Could not start the run supervisor: {ex.Message}\n", cancellationToken).ConfigureAwait(false);
            dir.RecordExitIfAbsent(new RunExitRecord(127));
            if (registration is not null)
            {
                await _pool!.AbandonLaunchAsync(registration, CancellationToken.None).ConfigureAwait(false);
            }

            await PublishExitAsync(handle, dir, cancellationToken).ConfigureAwait(false);
            throw new RunBackendException($"Could not start run '{spec.RunId}': {ex.Message}", ex);
        }

        supervisor.StandardInput.Close();
        supervisor.StandardOutput.Close();
        supervisor.StandardError.Close();
        _ = supervisor.WaitForExitAsync(CancellationToken.None).ContinueWith(_ => supervisor.Dispose(), TaskScheduler.Default);

        // Return once the command runs in its own session (or already ended), so Terminate can always find it.
        var deadline = _time.GetUtcNow() + _options.LaunchTimeout;
        while (!dir.CommandStarted && dir.ReadExit() is null && _time.GetUtcNow() < deadline)
        {
            if (dir.SupervisorStarted && dir.LiveSupervisor() is null && dir.ReadExit() is null)
            {
                break; // the supervisor died before starting the command; status will say Lost
            }

            await Task.Delay(FilePollInterval, _time, cancellationToken).ConfigureAwait(false);
        }

        LogLaunched(_logger, spec.RunId, handle.LaunchId, dir.Path);
        if (registration is not null)
        {
            await _pool!.MarkLaunchedAsync(registration, LocalWarmInstanceHost.Location(dir.Path), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            EnsureMonitor(handle, dir);
        }

        return handle;
    }

    /// <summary>
    /// Hands the run to an idle warm worker of its profile (claim, job document, ACK). False when none is idle or the
    /// claimed one did not ACK in time (the claim is then released); the launch then starts a process.
    /// </summary>
    private async Task<bool> TryLaunchWarmAsync(Stagecraft.WarmPool.WarmPool pool, RunSpec spec, string profile, RunHandle handle, LocalRunDirectory dir, Task jobStored, CancellationToken cancellationToken)
    {
        WarmClaim? claim;
        try
        {
            claim = await pool.TryClaimAsync(profile, spec.RunId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await jobStored.ConfigureAwait(false);
        }

        if (claim is null)
        {
            await _storage.DeleteAsync(pool.Paths.Job(profile, spec.RunId), cancellationToken: cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (LocalWarmInstanceHost.TryParseLocation(claim.Instance.Location, out _, out var instanceDirectory))
        {
            // Recorded before the ACK is awaited, so a status check right after the launch finds the worker that runs it.
            dir.RecordWarmInstance(instanceDirectory, claim.Instance.InstanceId);
        }
        else
        {
            // A worker with no recorded location (its launcher died before recording it) cannot be watched from here:
            // its job is withdrawn, so the claim lapses and the run starts cold.
            await _storage.DeleteAsync(pool.Paths.Job(profile, spec.RunId), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (await pool.WaitForAckAsync(claim, cancellationToken).ConfigureAwait(false) != WarmAckOutcome.Acked)
        {
            File.Delete(Path.Combine(dir.Path, "warm_instance"));
            return false;
        }

        LogLaunchedWarm(_logger, spec.RunId, handle.LaunchId, claim.Instance.InstanceId);
        return true;
    }

    /// <summary>Removes the warm job a launch stored, if it did (a job of another launch under the same run id stays).</summary>
    private async Task WithdrawJobAsync(Stagecraft.WarmPool.WarmPool? pool, Task? jobStored, string profile, string runId)
    {
        if (pool is null || jobStored is null)
        {
            return;
        }

        try
        {
            await jobStored.ConfigureAwait(false);
        }
        catch (StorageException)
        {
            return; // not stored (a precondition failure means it is another launch's): nothing of ours to remove
        }

        await _storage.DeleteAsync(pool.Paths.Job(profile, runId)).ConfigureAwait(false);
    }

    public async Task<RunStatus> GetStatusAsync(RunHandle handle, CancellationToken cancellationToken = default)
    {
        var (status, _) = await ResolveAsync(handle, cancellationToken).ConfigureAwait(false);
        return status;
    }

    public async Task<RunStatus> TerminateAsync(RunHandle handle, CancellationToken cancellationToken = default)
    {
        var (status, record) = await ResolveAsync(handle, cancellationToken).ConfigureAwait(false);
        if (status.IsTerminal)
        {
            return status;
        }

        if (!IsThisHost(record))
        {
            throw new RunBackendException($"Run '{handle.RunId}' runs on host '{record.Host}'; terminate it from there.");
        }

        using var activity = Activities.StartActivity("LocalRunBackend.Terminate");
        activity?.SetTag(StagecraftTags.RunId, handle.RunId);
        var dir = new LocalRunDirectory(_stateDirectory, handle);
        var warm = dir.WarmInstance;

        // A run on a warm worker lives in that worker's process, started by the launch whose directory it records (the
        // run's own directory for the worker's first run). Stopping the run stops the worker: a stage cannot be taken
        // out of a process safely. The worker's exit is its supervisor's; the run's is recorded in the run's own directory.
        var process = warm is { } w && w.Directory != dir.Path ? LocalRunDirectory.AtPath(w.Directory) : dir;
        dir.RequestTermination();
        var spare = ProtectedProcesses.Resolve(_processes, _options.ProtectedProcessIds);
        var deadline = _time.GetUtcNow() + _options.TerminationGracePeriod + TimeSpan.FromSeconds(30);
        var killed = false;
        while (dir.ReadExit() is null)
        {
            // A warm worker publishes a run's exit code before it can take another job: while none is published it still
            // runs this one, so the kill below stops this run and no other. Once one is published, it is the run's end.
            if (warm is not null && await RunExitPublisher.ReadAsync(_storage, handle.Paths, cancellationToken).ConfigureAwait(false) is not null)
            {
                break;
            }

            if (!killed && process.CommandProcess(_setsid) is { } command)
            {
                // The command leads its own session: TERM to its group and tree, the grace period, then KILL.
                var result = await _processes.KillTreeAsync(command, spare, _options.TerminationGracePeriod, cancellationToken).ConfigureAwait(false);
                killed = !result.RootMismatch;
                LogTerminated(_logger, handle.RunId, result.Killed.Count, result.Survivors.Count);
                continue;
            }

            if (process.LiveSupervisor() is null || _time.GetUtcNow() > deadline)
            {
                // Nobody is left to record the end (the supervisor died, or never started the command, or the process was
                // a warm worker running this run among others): record it here, with the code the process ended with.
                var code = ReferenceEquals(process, dir) ? null : process.ReadExit()?.ExitCode;
                dir.RecordExitIfAbsent(new RunExitRecord(code ?? (killed ? 137 : 143), RunExitReason.Terminated));
                break;
            }

            await Task.Delay(FilePollInterval, _time, cancellationToken).ConfigureAwait(false);
        }

        if (dir.ReadExit() is not null)
        {
            await PublishExitAsync(handle, dir, cancellationToken).ConfigureAwait(false);
        }

        if (warm is { InstanceId: { } instanceId } && _pool is { } pool)
        {
            // The worker is gone: its document goes too, so no launch waits for it or claims it.
            await new WarmPoolReaper(pool, [WarmInstanceHost]).ReapAsync(record.ResourceProfile, instanceId, cancellationToken).ConfigureAwait(false);
        }

        return (await ResolveAsync(handle, cancellationToken).ConfigureAwait(false)).Status;
    }

    public async IAsyncEnumerable<string> StreamLogsAsync(RunHandle handle, LogStream stream, bool follow = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (status, _) = await ResolveAsync(handle, cancellationToken).ConfigureAwait(false);

        // From storage, as every backend's logs are read: a status check on this host also ships and publishes a finished run.
        var lines = _logReader.ReadLinesAsync(
            handle.Paths,
            stream,
            follow && !status.IsTerminal,
            async ct => (await ResolveAsync(handle, ct).ConfigureAwait(false)).Status.IsTerminal,
            cancellationToken);
        await foreach (var line in lines.ConfigureAwait(false))
        {
            yield return line;
        }
    }

    /// <summary>The launch of <paramref name="runId"/>, found through its run record in storage (null when it was never launched).</summary>
    public async Task<RunHandle?> FindRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        RunId.Validate(runId);
        LocalRunRecord? record;
        try
        {
            var read = await _storage.GetAsync(new RunPaths(runId).RunRecord, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (read.ConfigureAwait(false))
            {
                record = await JsonSerializer.DeserializeAsync(read.Content, LocalRunsJsonContext.Default.LocalRunRecord, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
        catch (JsonException ex)
        {
            throw new RunBackendException($"The run record of '{runId}' is corrupt: {ex.Message}", ex);
        }

        return record is { Backend: BackendName } && record.RunId == runId ? new RunHandle(BackendName, runId, record.LaunchId) : null;
    }

    /// <summary>Stops shipping logs for monitored runs. The runs themselves keep going; a new backend can adopt them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        foreach (var monitor in _monitors.Values)
        {
            try
            {
                await monitor.Value.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _disposed.Dispose();
    }

    /// <summary>
    /// The one place status is decided. The exit-code object in storage wins whenever it exists; otherwise the run
    /// directory on this host says whether the run is preparing, running, finished-but-unpublished (then it is published
    /// now) or lost.
    /// </summary>
    private async Task<(RunStatus Status, LocalRunRecord Record)> ResolveAsync(RunHandle handle, CancellationToken cancellationToken)
    {
        var resolved = await ResolveUncachedAsync(handle, cancellationToken).ConfigureAwait(false);
        if (resolved.Status.IsTerminal)
        {
            _records.TryRemove(handle.ToString(), out _);
        }

        return resolved;
    }

    private async Task<(RunStatus Status, LocalRunRecord Record)> ResolveUncachedAsync(RunHandle handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (handle.Backend != BackendName)
        {
            throw new ArgumentException($"Handle {handle} was issued by backend '{handle.Backend}', not '{BackendName}'.", nameof(handle));
        }

        var record = await ReadRecordAsync(handle, cancellationToken).ConfigureAwait(false);
        if (await RunExitPublisher.ReadAsync(_storage, handle.Paths, cancellationToken).ConfigureAwait(false) is { } published)
        {
            return (published.ToStatus(), record);
        }

        if (!IsThisHost(record))
        {
            return (new RunStatus(RunState.Running, null, $"Running on host '{record.Host}'; its status appears here once its exit code is published."), record);
        }

        var dir = new LocalRunDirectory(_stateDirectory, handle);
        if (!dir.Exists)
        {
            return (new RunStatus(RunState.Lost, null, $"The run directory '{dir.Path}' is gone and no exit code was published.") { Interruption = RunInterruption.MachineLost }, record);
        }

        if (dir.WarmInstanceDirectory is { } instanceDirectory && dir.ReadExit() is null)
        {
            // A warm worker publishes the run's exit code itself; until then the run lives as long as that worker.
            if (LocalRunDirectory.AtPath(instanceDirectory).LiveSupervisor() is { } worker)
            {
                return (new RunStatus(RunState.Running, null, string.Create(CultureInfo.InvariantCulture, $"Running on a warm worker (supervisor pid {worker.Pid}).")), record);
            }

            if (await RunExitPublisher.ReadAsync(_storage, handle.Paths, cancellationToken).ConfigureAwait(false) is { } late)
            {
                return (late.ToStatus(), record);
            }

            if (dir.TerminationRequested)
            {
                // Stopped by a terminate (maybe in another process, still on its way to recording it): the run's end is
                // that, never "lost", which would have it retried.
                var code = LocalRunDirectory.AtPath(instanceDirectory).ReadExit()?.ExitCode ?? 143;
                dir.RecordExitIfAbsent(new RunExitRecord(code, RunExitReason.Terminated));
                return ((await PublishExitAsync(handle, dir, cancellationToken).ConfigureAwait(false)).ToStatus(), record);
            }

            return (new RunStatus(RunState.Lost, null, "The warm worker running this run is gone and published no exit code.") { Interruption = RunInterruption.MachineLost }, record);
        }

        if (dir.ReadExit() is not null)
        {
            var exit = await PublishExitAsync(handle, dir, cancellationToken).ConfigureAwait(false);
            return (exit.ToStatus(), record);
        }

        var supervisor = dir.LiveSupervisor();
        if (supervisor is null)
        {
            // The supervisor may have written the exit code and exited between the two reads.
            if (dir.ReadExit() is not null)
            {
                var exit = await PublishExitAsync(handle, dir, cancellationToken).ConfigureAwait(false);
                return (exit.ToStatus(), record);
            }

            if (dir.CommandProcess(_setsid) is { } orphan)
            {
                // Still terminable (its identity was kept), but nobody will record how it ends.
                return (new RunStatus(RunState.Running, null, string.Create(CultureInfo.InvariantCulture, $"The supervisor is gone but the command (pid {orphan.Pid}) still runs; its exit code cannot be recorded. Terminate it.")), record);
            }

            if (dir.SupervisorStarted || _time.GetUtcNow() - record.LaunchedAt > _options.LaunchTimeout)
            {
                return (new RunStatus(RunState.Lost, null, "The run's supervisor process is gone and recorded no exit code.") { Interruption = RunInterruption.MachineLost }, record);
            }

            return (new RunStatus(RunState.Preparing, null, "Starting the run's supervisor."), record);
        }

        EnsureMonitor(handle, dir);
        return dir.CommandStarted
            ? (new RunStatus(RunState.Running, null, string.Create(CultureInfo.InvariantCulture, $"Running under supervisor pid {supervisor.Pid}.")), record)
            : (new RunStatus(RunState.Preparing, null, "Starting the command."), record);
    }

    private async Task<LocalRunRecord> ReadRecordAsync(RunHandle handle, CancellationToken cancellationToken)
    {
        if (_records.TryGetValue(handle.ToString(), out var known))
        {
            return known;
        }

        LocalRunRecord? record;
        try
        {
            var read = await _storage.GetAsync(handle.Paths.RunRecord, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (read.ConfigureAwait(false))
            {
                record = await JsonSerializer.DeserializeAsync(read.Content, LocalRunsJsonContext.Default.LocalRunRecord, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ObjectNotFoundException)
        {
            throw new RunNotFoundException(handle.RunId, "no run record in storage (never launched here, or launched against another storage).");
        }
        catch (JsonException ex)
        {
            throw new RunBackendException($"The run record of '{handle.RunId}' is corrupt: {ex.Message}", ex);
        }

        if (record is null || record.RunId != handle.RunId || record.LaunchId != handle.LaunchId)
        {
            throw new RunNotFoundException(handle.RunId, $"the handle is for launch '{handle.LaunchId}', but the stored run is launch '{record?.LaunchId}'.");
        }

        _records[handle.ToString()] = record;
        return record;
    }

    /// <summary>
    /// Ships the final logs, then writes the exit-code object with a must-not-exist precondition (exactly one publisher
    /// wins; the rest read the winner's). Logs first, so a reader that sees the exit code also sees complete logs.
    /// </summary>
    private async Task<RunExitRecord> PublishExitAsync(RunHandle handle, LocalRunDirectory dir, CancellationToken cancellationToken)
    {
        var exit = dir.ReadExit() ?? throw new InvalidOperationException("No exit code to publish yet.");
        await ShipLogsAsync(handle, dir, cancellationToken).ConfigureAwait(false);
        var published = await RunExitPublisher.PublishAsync(_storage, handle.Paths, exit, cancellationToken).ConfigureAwait(false);
        _shippers.TryRemove(handle.ToString(), out _);

        LogPublished(_logger, handle.RunId, published.ExitCode, published.Reason);
        return published;
    }

    /// <summary>Ships what both log files gained since the last call (one shipper pair per run, so each byte goes once).</summary>
    private async Task ShipLogsAsync(RunHandle handle, LocalRunDirectory dir, CancellationToken cancellationToken)
    {
        var (stdout, stderr) = _shippers.GetOrAdd(handle.ToString(), _ => (
            new RunLogShipper(_storage, handle.Paths, LogStream.Stdout, LogFile(handle, dir, LogStream.Stdout)),
            new RunLogShipper(_storage, handle.Paths, LogStream.Stderr, LogFile(handle, dir, LogStream.Stderr))));
        await stdout.ShipAsync(cancellationToken).ConfigureAwait(false);
        await stderr.ShipAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The file the run's <paramref name="stream"/> is written to: the run directory's, or for a run on a warm worker the
    /// worker's file for that job (the worker ships it itself when the job ends; this ships it when the worker was stopped).
    /// </summary>
    private static string LogFile(RunHandle handle, LocalRunDirectory dir, LogStream stream) =>
        dir.WarmInstanceDirectory is { } worker
            ? WarmWorkerSettings.JobLogPath(LocalRunDirectory.AtPath(worker).WarmLogDirectory, handle.RunId, stream)
            : dir.File(stream);

    /// <summary>Starts (once per backend instance) the loop that ships a run's logs and publishes its exit code.</summary>
    private void EnsureMonitor(RunHandle handle, LocalRunDirectory dir)
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        var monitor = _monitors.GetOrAdd(handle.ToString(), _ => new Lazy<Task>(() => Task.Run(() => MonitorAsync(handle, dir, _disposed.Token))));
        _ = monitor.Value;
    }

    private async Task MonitorAsync(RunHandle handle, LocalRunDirectory dir, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(_options.LogShipInterval, _time);
            do
            {
                if (dir.ReadExit() is not null)
                {
                    await PublishExitAsync(handle, dir, cancellationToken).ConfigureAwait(false);
                    return;
                }

                await ShipLogsAsync(handle, dir, cancellationToken).ConfigureAwait(false);

                // Keeps the command's identity on disk while the supervisor can vouch for it, so the tree stays killable.
                var command = dir.CommandProcess(_setsid);
                if (dir.SupervisorStarted && dir.LiveSupervisor() is null && dir.ReadExit() is null && command is null)
                {
                    LogLost(_logger, handle.RunId);
                    return;
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is StorageException or IOException)
        {
            // Any later status call or backend instance retries; the run itself is unaffected.
            LogMonitorFailed(_logger, handle.RunId, ex);
        }
        finally
        {
            _monitors.TryRemove(handle.ToString(), out _);
        }
    }

    private void ConfigureEnvironment(ProcessStartInfo psi, RunSpec spec, RunHandle handle, LocalRunDirectory dir)
    {
        if (!_options.InheritEnvironment)
        {
            psi.Environment.Clear();
            psi.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        }

        psi.Environment.Remove(RunEnvironmentVariables.InputPrefix);
        psi.Environment.Remove(RunEnvironmentVariables.SnapshotPath);
        foreach (var (name, value) in RunEnvironment(spec, handle, dir))
        {
            psi.Environment[name] = value;
        }
    }

    /// <summary>The run's own variables, the same for a fresh process and a warm worker's job.</summary>
    private Dictionary<string, string> RunEnvironment(RunSpec spec, RunHandle handle, LocalRunDirectory dir)
    {
        var environment = new Dictionary<string, string>(spec.Environment, StringComparer.Ordinal)
        {
            [RunEnvironmentVariables.RunId] = handle.RunId,
            [RunEnvironmentVariables.OutputPrefix] = spec.EffectiveOutputPrefix,
            [RunEnvironmentVariables.ResourceProfile] = spec.ResourceProfile ?? _options.DefaultResourceProfile,
        };
        environment.Remove(RunEnvironmentVariables.InputPrefix);
        environment.Remove(RunEnvironmentVariables.SnapshotPath);
        if (spec.InputPrefix is not null)
        {
            environment[RunEnvironmentVariables.InputPrefix] = spec.InputPrefix;
        }

        if (spec.Snapshot is { } snapshot)
        {
            AtomicFile.WriteAllBytes(dir.SnapshotFile, snapshot.Span);
            environment[RunEnvironmentVariables.SnapshotPath] = dir.SnapshotFile;
        }

        return environment;
    }

    private static bool IsThisHost(LocalRunRecord record) => string.Equals(record.Host, Environment.MachineName, StringComparison.Ordinal);

    internal static string FindTool(string name, string package)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("LocalRunBackend needs Linux (procfs, setsid, coreutils timeout).");
        }

        foreach (var dir in new[] { "/usr/bin", "/bin", "/usr/local/bin" })
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new PlatformNotSupportedException($"LocalRunBackend needs '{name}' (from {package}) in /usr/bin or /bin.");
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Launched run {RunId} (launch {LaunchId}) in {RunDirectory}")]
    private static partial void LogLaunched(ILogger logger, string runId, string launchId, string runDirectory);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Terminated run {RunId}: {Killed} process(es) killed, {Survivors} survivor(s)")]
    private static partial void LogTerminated(ILogger logger, string runId, int killed, int survivors);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Published exit code {ExitCode} ({Reason}) of run {RunId}")]
    private static partial void LogPublished(ILogger logger, string runId, int exitCode, RunExitReason reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Run {RunId} is lost: its supervisor is gone and recorded no exit code")]
    private static partial void LogLost(ILogger logger, string runId);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Launched run {RunId} (launch {LaunchId}) on warm worker {InstanceId}")]
    private static partial void LogLaunchedWarm(ILogger logger, string runId, string launchId, string instanceId);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Monitoring run {RunId} failed; a later status call will retry")]
    private static partial void LogMonitorFailed(ILogger logger, string runId, Exception exception);
}
