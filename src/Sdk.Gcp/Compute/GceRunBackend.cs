using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Stagecraft.Runs;
using Stagecraft.Runs.Logs;
using Stagecraft.Storage;
using Stagecraft.Telemetry;
using Stagecraft.WarmPool;

namespace Stagecraft.Gcp.Compute;

/// <summary>
/// Runs each <see cref="RunSpec"/> on a fresh Compute Engine VM whose startup script (<see cref="StartupScriptBuilder"/>)
/// executes the command and writes logs and the exit code to the run's <see cref="RunPaths"/> in object storage.
/// </summary>
/// <remarks>
/// <para>
/// Launch: claims the run id with a create-only run record, generates the script (validating every env name before any
/// VM exists), then inserts the instance zone by zone in <see cref="GceRunBackendOptions.Zones"/> order, moving on when a
/// zone is out of capacity and failing with <see cref="GceQuotaExceededException"/> on a quota error. Each zone's insert
/// carries a <c>requestId</c> derived from the launch id, so a retried request never creates a second VM.
/// </para>
/// <para>
/// Status: the exit-code object wins; the VM deletes itself after storing it (<see cref="GceRunBackendOptions.DeleteInstanceWhenDone"/>),
/// and the first status check that sees the run finished deletes a VM still there. Otherwise the instance state maps to
/// Preparing/Running, and a missing instance without an exit code is <see cref="RunState.Lost"/>.
/// Terminate records <c>143 terminated</c> (create-only, so a run that already finished keeps its code) and deletes the VM.
/// </para>
/// <para>
/// Warm pool (<see cref="GceRunBackendOptions.WarmPool"/>): a launch of a pooled profile first claims an idle pool VM,
/// hands it the job through storage and waits for its ACK; otherwise it creates a VM registered in the pool (running,
/// never idle, under the profile's cap) that stays after its job until its idle timeout. Profiles not pooled launch as
/// described above and write no pool document. See <c>docs/warm-pool.md</c>.
/// </para>
/// </remarks>
public sealed partial class GceRunBackend : IRunBackend, IDisposable
{
    /// <summary>The backend's name in handles.</summary>
    public const string BackendName = "gce";

    /// <summary>Label carrying the run id on every VM.</summary>
    public const string RunIdLabel = "stagecraft-run-id";

    /// <summary>Label carrying <see cref="GceRunBackendOptions.Owner"/> on every VM.</summary>
    public const string OwnerLabel = "stagecraft-owner";

    private const string ZoneProperty = "zone";
    private const string NotFoundReason = "the gce backend has no record of this launch";
    private const string InstanceProperty = "instance";

    private readonly GceRunBackendOptions _options;
    private readonly IObjectStorage _storage;
    private readonly ComputeEngineClient _compute;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, string> _verifiedLaunches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _cleanedUp = new(StringComparer.Ordinal);
    private readonly RunLogReader _logReader;
    private readonly Stagecraft.WarmPool.WarmPool? _pool;

    /// <param name="storage">Storage over <see cref="GceRunBackendOptions.Bucket"/>, where VMs write logs and exit codes.</param>
    /// <param name="options">Project, zones, profiles, bucket, endpoints, clock and logging.</param>
    public GceRunBackend(IObjectStorage storage, GceRunBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        _logger = options.LoggerFactory.CreateLogger<GceRunBackend>();
        _compute = new ComputeEngineClient(options, _logger);
        _logReader = new RunLogReader(storage, new RunLogReaderOptions { PollInterval = options.LogPollInterval, TimeProvider = options.TimeProvider });
        _pool = options.WarmPool is { } pool ? new Stagecraft.WarmPool.WarmPool(storage, pool with { LoggerFactory = pool.LoggerFactory.OrInherited(options.LoggerFactory) }) : null;
        Capabilities = new BackendCapabilities
        {
            Name = BackendName,
            SupportsContainerImages = true,
            SupportsSnapshots = false,
            ExpectedLaunchDelay = TimeSpan.FromMinutes(3),
            StatusPollInterval = TimeSpan.FromSeconds(Math.Max(1, options.LogShipInterval.TotalSeconds)),
            LogLatency = options.LogShipInterval + options.LogPollInterval,
            TerminationGracePeriod = options.TerminationGracePeriod,
            RecoversRunsAfterRestart = true,
        };
    }

    /// <inheritdoc />
    public BackendCapabilities Capabilities { get; }

    /// <summary>The warm pool launches of pooled profiles go through (null when <see cref="GceRunBackendOptions.WarmPool"/> is not set).</summary>
    public Stagecraft.WarmPool.WarmPool? WarmPool => _pool;

    /// <summary>The instance name for a run: <c>sc-{runId}</c>, shortened with a hash when longer than 63 characters.</summary>
    public static string InstanceName(string runId)
    {
        RunId.Validate(runId);
        var name = "sc-" + runId;
        if (name.Length <= 63)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(runId)))[..8];
        return name[..(63 - 9)].TrimEnd('-') + "-" + hash;
    }

    /// <inheritdoc />
    public async Task<RunHandle> LaunchAsync(RunSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.HasSnapshot)
        {
            throw new InvalidRunSpecException(nameof(RunSpec.Snapshot), "snapshot", "is not supported by the gce backend (Capabilities.SupportsSnapshots is false)");
        }

        var profileName = spec.ResourceProfile ?? _options.DefaultProfile;
        if (!_options.Profiles.TryGetValue(profileName, out var profile))
        {
            throw new InvalidRunSpecException(nameof(RunSpec.ResourceProfile), profileName, "is not a configured profile (" + string.Join(", ", _options.Profiles.Keys) + ")");
        }

        // Generated (and every env name validated) before anything exists in the cloud. One builder for the cold script
        // and the warm job document, so both set a job up the same way.
        StartupScriptBuilder Builder(WarmPoolScriptOptions? pool) => new(spec, _options.Bucket)
        {
            Bundle = _options.Bundle,
            StorageEndpoint = _options.VmStorageEndpoint,
            ComputeEndpoint = _options.ComputeEndpoint,
            DeleteInstanceWhenDone = _options.DeleteInstanceWhenDone,
            LogShipInterval = _options.LogShipInterval,
            TerminationGracePeriod = _options.TerminationGracePeriod,
            ResourceProfile = profileName,
            WarmPool = pool,
        };
        var job = Builder(null).BuildJob();

        // Compute Engine allows at most RunLabels.MaxCount labels per instance, ours included: refuse before anything exists.
        var ownLabels = new[] { RunIdLabel, OwnerLabel };
        var labelCount = spec.Labels.Keys.Union(ownLabels, StringComparer.Ordinal).Count();
        if (labelCount > RunLabels.MaxCount)
        {
            throw new InvalidRunSpecException(
                nameof(RunSpec.Labels),
                string.Create(CultureInfo.InvariantCulture, $"{spec.Labels.Count} labels"),
                string.Create(CultureInfo.InvariantCulture, $"with the gce backend's own {ownLabels.Length} ({string.Join(", ", ownLabels)}) make {labelCount}, more than Compute Engine's limit of {RunLabels.MaxCount} labels per instance"));
        }

        var launchId = RunHandle.NewLaunchId();
        await ClaimRunIdAsync(spec, launchId, cancellationToken).ConfigureAwait(false);

        WarmRegistration? registration = null;
        if (_pool is { } pool && pool.IsEnabled(profileName))
        {
            if (await TryLaunchWarmAsync(pool, spec, profileName, launchId, job, cancellationToken).ConfigureAwait(false) is { } warm)
            {
                return warm;
            }

            // No idle VM took the job: a fresh one, registered as launching (then running, never idle) under the cap.
            registration = await pool.TryRegisterAsync(profileName, spec.RunId, BackendName, cancellationToken).ConfigureAwait(false);
        }

        var name = registration?.Instance.InstanceId ?? InstanceName(spec.RunId);
        var script = Builder(registration is null ? null : new WarmPoolScriptOptions
        {
            Paths = _pool!.Paths,
            Profile = profileName,
            InstanceId = name,
            IdleTimeout = _pool.Options.For(profileName)!.IdleTimeout,
            PollInterval = _options.WarmPoolPollInterval,
        }).Build();

        (RunHandle Handle, string Zone) inserted;
        try
        {
            inserted = await InsertAsync(spec, profileName, profile, name, script, launchId, cancellationToken).ConfigureAwait(false);
        }
        catch when (registration is not null)
        {
            // Frees the place under the cap; a VM that exists after all finds its document gone after its job and deletes itself.
            await _pool!.AbandonLaunchAsync(registration, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (registration is not null)
        {
            // False when the VM's first job already ended (launching → idle by the VM): nothing left to record.
            await _pool!.MarkLaunchedAsync(registration, inserted.Zone, cancellationToken).ConfigureAwait(false);
        }

        return inserted.Handle;
    }

    /// <summary>
    /// Tries to run the job on an idle pool VM of the profile: claim (CAS idle → claimed), store the job document, wait
    /// for the VM's ACK. Null when none is idle or the claimed VM did not ACK in time (the claim is then released, so a
    /// late ACK cannot run the job as well).
    /// </summary>
    private async Task<RunHandle?> TryLaunchWarmAsync(Stagecraft.WarmPool.WarmPool pool, RunSpec spec, string profileName, string launchId, string job, CancellationToken cancellationToken)
    {
        if (await pool.TryClaimAsync(profileName, spec.RunId, cancellationToken).ConfigureAwait(false) is not { } claim)
        {
            return null;
        }

        var instance = claim.Instance;
        await pool.PutJobAsync(profileName, spec.RunId, Encoding.UTF8.GetBytes(job), cancellationToken).ConfigureAwait(false);
        var outcome = await pool.WaitForAckAsync(claim, cancellationToken).ConfigureAwait(false);
        if (outcome != WarmAckOutcome.Acked)
        {
            LogWarmFallback(_logger, instance.InstanceId, spec.RunId, outcome);
            return null;
        }

        // Acked: the VM runs the job, so it must never be launched anywhere else. The zone is unrecorded when the VM's
        // first job ended before its launcher wrote it: then the VM is looked up (a VM already gone reports Lost).
        var zone = instance.Location is { } recorded && _options.Zones.Contains(recorded)
            ? recorded
            : await FindZoneAsync(instance.InstanceId, cancellationToken).ConfigureAwait(false) ?? _options.Zones[0];

        LogWarmLaunch(_logger, instance.InstanceId, zone, spec.RunId);
        _verifiedLaunches[spec.RunId] = launchId;
        return new RunHandle(BackendName, spec.RunId, launchId, new Dictionary<string, string> { [ZoneProperty] = zone, [InstanceProperty] = instance.InstanceId });
    }

    /// <summary>The zone of the VM named <paramref name="instance"/>, looked up zone by zone, or null when it exists in none.</summary>
    private async Task<string?> FindZoneAsync(string instance, CancellationToken cancellationToken)
    {
        foreach (var zone in _options.Zones)
        {
            if (await _compute.GetInstanceAsync(zone, instance, cancellationToken).ConfigureAwait(false) is not null)
            {
                return zone;
            }
        }

        return null;
    }

    /// <summary>Inserts the VM zone by zone in <see cref="GceRunBackendOptions.Zones"/> order (stockout: next zone).</summary>
    private async Task<(RunHandle Handle, string Zone)> InsertAsync(RunSpec spec, string profileName, GceMachineProfile profile, string name, string script, string launchId, CancellationToken cancellationToken)
    {
        var stockedOut = new List<string>();
        foreach (var zone in _options.Zones)
        {
            var body = InstanceBody(spec, name, zone, profile, script);
            ComputeOperation operation;
            try
            {
                operation = await _compute.InsertInstanceAsync(zone, body, RequestId(launchId, "insert", zone), cancellationToken).ConfigureAwait(false);
            }
            catch (ComputeEngineException ex) when (ex.HttpStatus == 403 && ex.ErrorCode is ("quotaExceeded" or "QUOTA_EXCEEDED"))
            {
                // Refused at once, before any operation exists (e.g. GPUS_ALL_REGIONS): the same answer as a failed operation.
                throw new GceQuotaExceededException($"Cannot launch run '{spec.RunId}' ({profileName}: {profile.MachineType}) in zone {zone}: quota exceeded. {ex.Message}", zone, ex);
            }

            operation = await _compute.WaitAsync(operation, cancellationToken).ConfigureAwait(false);
            if (operation.ErrorCode is null && operation.ErrorMessage is null)
            {
                _verifiedLaunches[spec.RunId] = launchId;
                return (new RunHandle(BackendName, spec.RunId, launchId, new Dictionary<string, string> { [ZoneProperty] = zone, [InstanceProperty] = name }), zone);
            }

            if (operation.IsQuotaExceeded)
            {
                throw new GceQuotaExceededException($"Cannot launch run '{spec.RunId}' ({profileName}: {profile.MachineType}) in zone {zone}: quota exceeded. {operation.ErrorMessage}", zone);
            }

            if (!operation.IsStockout)
            {
                throw new ComputeEngineException($"Launching run '{spec.RunId}' in zone {zone} failed: {operation.ErrorCode}: {operation.ErrorMessage}", operation.ErrorCode, operation.HttpErrorStatusCode);
            }

            _logger.LogWarning("Zone {Zone} has no capacity for {MachineType} ({Code}); trying the next zone.", zone, profile.MachineType, operation.ErrorCode);
            stockedOut.Add(zone);
        }

        throw new GceCapacityExhaustedException($"Cannot launch run '{spec.RunId}': no capacity for {profile.MachineType} in any configured zone ({string.Join(", ", stockedOut)}).", stockedOut);
    }

    /// <inheritdoc />
    public async Task<RunStatus> GetStatusAsync(RunHandle handle, CancellationToken cancellationToken = default)
    {
        var (zone, instance) = await VerifyAsync(handle, cancellationToken).ConfigureAwait(false);
        if (await ReadExitRecordAsync(handle.Paths, cancellationToken).ConfigureAwait(false) is { } record)
        {
            await DeleteFinishedInstanceAsync(handle, zone, instance, cancellationToken).ConfigureAwait(false);
            return Describe(record);
        }

        var resource = await _compute.GetInstanceAsync(zone, instance, cancellationToken).ConfigureAwait(false);
        if (resource is null || resource.Value.GetProperty("status").GetString() is "TERMINATED" or "STOPPED" or "SUSPENDED")
        {
            // The exit code may have landed between the two reads.
            if (await ReadExitRecordAsync(handle.Paths, cancellationToken).ConfigureAwait(false) is { } late)
            {
                return Describe(late);
            }

            // A stopped VM was stopped by the provider (ours are deleted, never stopped); a vanished one may have been
            // deleted by anyone, a spot VM's termination action included.
            return resource is null
                ? new RunStatus(RunState.Lost, null, $"The VM {instance} in {zone} is gone and the run never recorded an exit code (deleted, or preempted spot VM).") { Interruption = RunInterruption.MachineLost }
                : new RunStatus(RunState.Lost, null, $"The VM {instance} in {zone} stopped before the run recorded an exit code (preempted or shut down).") { Interruption = RunInterruption.Preempted };
        }

        return resource.Value.GetProperty("status").GetString() switch
        {
            "PROVISIONING" or "STAGING" or "PENDING" => new RunStatus(RunState.Preparing, null, $"The VM {instance} in {zone} is starting."),
            _ => new RunStatus(RunState.Running, null, $"Running on {instance} in {zone}."),
        };
    }

    /// <summary>
    /// The first time this backend sees a run finished, deletes its VM if it is still there (the VM normally deletes
    /// itself; this covers a service account without the permission). Best effort: a failure is logged, and the status
    /// is reported either way.
    /// </summary>
    private async Task DeleteFinishedInstanceAsync(RunHandle handle, string zone, string instance, CancellationToken cancellationToken)
    {
        // A pool VM outlives its job on purpose (it waits idle for the next one and deletes itself on its idle timeout).
        if (!_options.DeleteInstanceWhenDone || IsPoolInstance(instance) || !_cleanedUp.TryAdd(handle.LaunchId, 0))
        {
            return;
        }

        try
        {
            if (await _compute.GetInstanceAsync(zone, instance, cancellationToken).ConfigureAwait(false) is null)
            {
                return;
            }

            // Not waited for: the run is over, and the operation only has to finish, not be watched.
            await _compute.DeleteInstanceAsync(zone, instance, RequestId(handle.LaunchId, "delete", zone), cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Deleting VM {Instance} in {Zone}: its run {RunId} has finished.", instance, zone, handle.RunId);
        }
        catch (Exception e) when (e is ComputeEngineException or HttpRequestException or IOException)
        {
            _cleanedUp.TryRemove(handle.LaunchId, out _);
            _logger.LogWarning(e, "Could not delete VM {Instance} in {Zone} after its run {RunId} finished; it will be retried on the next status check.", instance, zone, handle.RunId);
        }
    }

    /// <inheritdoc />
    public async Task<RunStatus> TerminateAsync(RunHandle handle, CancellationToken cancellationToken = default)
    {
        var (zone, instance) = await VerifyAsync(handle, cancellationToken).ConfigureAwait(false);
        var paths = handle.Paths;
        if (await ReadExitRecordAsync(paths, cancellationToken).ConfigureAwait(false) is null)
        {
            // Recorded first and create-only: if the run finished meanwhile its own code stays.
            await RunExitPublisher.PublishAsync(_storage, paths, new RunExitRecord(143, RunExitReason.Terminated), cancellationToken).ConfigureAwait(false);
        }

        var operation = await _compute.DeleteInstanceAsync(zone, instance, RequestId(handle.LaunchId, "delete", zone), cancellationToken).ConfigureAwait(false);
        if (operation is not null)
        {
            operation = await _compute.WaitAsync(operation, cancellationToken).ConfigureAwait(false);
            if (operation.ErrorCode is { } code && code != "RESOURCE_NOT_FOUND")
            {
                throw new ComputeEngineException($"Deleting VM {instance} in {zone} failed: {code}: {operation.ErrorMessage}", code, operation.HttpErrorStatusCode);
            }
        }

        return await ReadExitRecordAsync(paths, cancellationToken).ConfigureAwait(false) is { } record
            ? Describe(record)
            : new RunStatus(RunState.Terminated, 143, "Terminated on request.");
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> StreamLogsAsync(RunHandle handle, LogStream stream, bool follow = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await VerifyAsync(handle, cancellationToken).ConfigureAwait(false);

        // Ended also when the VM is gone without an exit code (Lost), which the exit-code object alone cannot tell.
        var lines = _logReader.ReadLinesAsync(
            handle.Paths,
            stream,
            follow,
            async ct => (await GetStatusAsync(handle, ct).ConfigureAwait(false)).IsTerminal,
            cancellationToken);
        await foreach (var line in lines.ConfigureAwait(false))
        {
            yield return line;
        }
    }

    /// <summary>
    /// The launch of <paramref name="runId"/>, found from its run record and the instance's deterministic name in the
    /// configured zones (a few reads, no listing), for a caller that lost the handle. When no zone has the instance the
    /// handle names the first zone: terminating it still records the run as terminated and deletes nothing.
    /// </summary>
    public async Task<RunHandle?> FindRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        var paths = new RunPaths(RunId.Validate(runId));
        var bytes = await ReadObjectAsync(paths.RunRecord, cancellationToken).ConfigureAwait(false);
        string? launchId;
        try
        {
            using var document = bytes is null ? null : JsonDocument.Parse(bytes);
            launchId = document?.RootElement.GetProperty("launchId").GetString();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new RunBackendException($"The run record of '{runId}' is not a gce run record: {ex.Message}", ex);
        }

        if (launchId is null)
        {
            return null;
        }

        var name = InstanceName(runId);
        foreach (var zone in _options.Zones)
        {
            if (await _compute.GetInstanceAsync(zone, name, cancellationToken).ConfigureAwait(false) is not null)
            {
                return new RunHandle(BackendName, runId, launchId, new Dictionary<string, string> { [ZoneProperty] = zone, [InstanceProperty] = name });
            }
        }

        return new RunHandle(BackendName, runId, launchId, new Dictionary<string, string> { [ZoneProperty] = _options.Zones[0], [InstanceProperty] = name });
    }

    public void Dispose() => _compute.Dispose();

    /// <summary>Releases the Compute Engine client; runs already launched keep running on their VMs.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The shared mapping (<see cref="RunExitRecord.ToStatus"/>, which already names SIGKILL for 137), plus the likely
    /// cause of a SIGTERM on a VM: 143 not requested by <see cref="TerminateAsync"/> means the VM was preempted or shut
    /// down, classified as <see cref="RunInterruption.Preempted"/> so callers can retry it.
    /// </summary>
    private static RunStatus Describe(RunExitRecord record)
    {
        var status = record.ToStatus();
        return record is { Reason: RunExitReason.Exited, ExitCode: 143 }
            ? status with { Message = "Exit code 143: killed by SIGTERM — the VM was preempted or shut down (not a terminate request).", Interruption = RunInterruption.Preempted }
            : status;
    }

    private async Task ClaimRunIdAsync(RunSpec spec, string launchId, CancellationToken cancellationToken)
    {
        var record = new JsonObject { ["runId"] = spec.RunId, ["launchId"] = launchId, ["backend"] = BackendName }.ToJsonString();
        try
        {
            using var content = new MemoryStream(Encoding.UTF8.GetBytes(record));
            await _storage.PutAsync(spec.Paths.RunRecord, content, new PutObjectOptions { IfGenerationMatch = 0, ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException ex)
        {
            throw new RunAlreadyExistsException($"A run with id '{spec.RunId}' already exists; run ids are never reused.", ex);
        }
    }

    /// <summary>Checks that the handle names a launch of this backend recorded in storage (O(1): one read, then cached).</summary>
    private async Task<(string Zone, string Instance)> VerifyAsync(RunHandle handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (handle.Backend != BackendName
            || !handle.Properties.TryGetValue(ZoneProperty, out var zone) || !_options.Zones.Contains(zone)
            || !handle.Properties.TryGetValue(InstanceProperty, out var instance) || (instance != InstanceName(handle.RunId) && !IsPoolInstance(instance)))
        {
            throw new RunNotFoundException(handle.RunId, NotFoundReason);
        }

        if (!_verifiedLaunches.TryGetValue(handle.RunId, out var launchId))
        {
            var bytes = await ReadObjectAsync(handle.Paths.RunRecord, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(handle.RunId, NotFoundReason);
            try
            {
                using var document = JsonDocument.Parse(bytes);
                launchId = document.RootElement.GetProperty("launchId").GetString() ?? string.Empty;
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new RunNotFoundException(handle.RunId, NotFoundReason);
            }

            _verifiedLaunches.TryAdd(handle.RunId, launchId);
        }

        return launchId == handle.LaunchId ? (zone, instance) : throw new RunNotFoundException(handle.RunId, NotFoundReason);
    }

    /// <summary>Whether a VM name is a pool instance id (pool VMs are named by their instance id, run VMs <c>sc-{runId}</c>).</summary>
    private static bool IsPoolInstance(string instance) =>
        instance.StartsWith(WarmPoolNames.InstancePrefix, StringComparison.Ordinal) && WarmPoolNames.ExplainProfile(instance) is null;

    [LoggerMessage(EventId = 1210, Level = LogLevel.Information, Message = "Run {RunId} runs on warm pool VM {InstanceId} in {Zone} (claimed and ACKed)")]
    private static partial void LogWarmLaunch(ILogger logger, string instanceId, string zone, string runId);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Information, Message = "Warm pool VM {InstanceId} did not take run {RunId} ({Outcome}); launching a fresh VM")]
    private static partial void LogWarmFallback(ILogger logger, string instanceId, string runId, WarmAckOutcome outcome);

    private Task<RunExitRecord?> ReadExitRecordAsync(RunPaths paths, CancellationToken cancellationToken) =>
        RunExitPublisher.ReadAsync(_storage, paths, cancellationToken);

    private async Task<byte[]?> ReadObjectAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await using var result = await _storage.GetAsync(key, null, cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            await result.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    private JsonObject InstanceBody(RunSpec spec, string name, string zone, GceMachineProfile profile, string script)
    {
        var labels = new JsonObject();
        foreach (var (key, value) in spec.Labels)
        {
            labels[key] = value;
        }

        labels[RunIdLabel] = spec.RunId;
        labels[OwnerLabel] = _options.Owner;

        var scheduling = new JsonObject
        {
            // GPUs cannot live-migrate: host maintenance must stop the VM.
            ["onHostMaintenance"] = profile.GpuType is not null || profile.Spot ? "TERMINATE" : "MIGRATE",
            ["automaticRestart"] = false,
        };
        if (profile.Spot)
        {
            scheduling["provisioningModel"] = "SPOT";
            scheduling["instanceTerminationAction"] = "DELETE";
        }

        var body = new JsonObject
        {
            ["name"] = name,
            ["machineType"] = $"zones/{zone}/machineTypes/{profile.MachineType}",
            ["labels"] = labels,
            ["scheduling"] = scheduling,
            ["disks"] = new JsonArray
            {
                new JsonObject
                {
                    ["boot"] = true,
                    ["autoDelete"] = true,
                    ["initializeParams"] = new JsonObject
                    {
                        ["sourceImage"] = _options.BootImage,
                        ["diskSizeGb"] = profile.BootDiskSizeGb.ToString(CultureInfo.InvariantCulture),
                    },
                },
            },
            ["networkInterfaces"] = new JsonArray { new JsonObject { ["network"] = "global/networks/default", ["accessConfigs"] = new JsonArray { new JsonObject { ["type"] = "ONE_TO_ONE_NAT", ["name"] = "External NAT" } } } },
            ["serviceAccounts"] = new JsonArray { new JsonObject { ["email"] = _options.ServiceAccount, ["scopes"] = new JsonArray([.. _options.ServiceAccountScopes.Select(s => (JsonNode)s)]) } },
            ["metadata"] = new JsonObject
            {
                ["items"] = new JsonArray
                {
                    new JsonObject { ["key"] = "startup-script", ["value"] = script },
                    new JsonObject { ["key"] = "stagecraft-run-spec", ["value"] = SpecSummary(spec) },
                },
            },
        };
        if (profile.GpuType is { } gpu)
        {
            body["guestAccelerators"] = new JsonArray { new JsonObject { ["acceleratorType"] = $"zones/{zone}/acceleratorTypes/{gpu}", ["acceleratorCount"] = profile.GpuCount } };
        }

        return body;
    }

    /// <summary>The run spec as a metadata item, for people inspecting the VM (the script is what executes).</summary>
    private static string SpecSummary(RunSpec spec) => new JsonObject
    {
        ["runId"] = spec.RunId,
        ["command"] = spec.Command,
        ["arguments"] = new JsonArray([.. spec.Arguments.Select(a => (JsonNode)a)]),
        ["image"] = spec.Image,
        ["environmentNames"] = new JsonArray([.. spec.Environment.Keys.Select(k => (JsonNode)k)]),
        ["resourceProfile"] = spec.ResourceProfile,
        ["timeoutSeconds"] = spec.Timeout?.TotalSeconds,
    }.ToJsonString();

    /// <summary>A UUID (the API's format for <c>requestId</c>) fixed by launch, action and zone, so retries repeat it.</summary>
    private static string RequestId(string launchId, string action, string zone)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(launchId + "/" + action + "/" + zone));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString("D");
    }
}
