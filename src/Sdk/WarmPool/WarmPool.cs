using Stagecraft.Telemetry;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Stagecraft.Runs;
using Stagecraft.Runs.Logs;
using Stagecraft.Storage;
using Stagecraft.Storage.Json;

namespace Stagecraft.WarmPool;

/// <summary>
/// Warm instances (VMs, worker processes) kept after their job so later launches of the same resource profile reuse
/// them. All shared state is in object storage (<see cref="WarmPoolPaths"/>): one small document per instance, each
/// transition a compare-and-swap on its generation (<see cref="WarmInstanceTransitions"/>), so processes on different
/// machines share one pool with no database.
/// </summary>
/// <remarks>
/// <para>
/// Launcher side: <see cref="TryClaimAsync"/> (idle → claimed; reads the profile's index and at most its instances, never
/// all runs), <see cref="PutJobAsync"/>, <see cref="WaitForAckAsync"/> (→ running, or released back to idle);
/// otherwise <see cref="TryRegisterAsync"/> under the cap (→ launching) and <see cref="MarkLaunchedAsync"/> (→ running).
/// Instance side: <see cref="CompleteJobAsync"/> (→ idle), <see cref="TryAcceptAsync"/> (the ACK), <see cref="RetireAsync"/>
/// (idle → deleting on idle timeout). Operations: <see cref="ListAsync"/>, <see cref="DrainAsync"/>, <see cref="CleanupAsync"/>;
/// <see cref="WarmPoolReaper"/> for vanished and overdue instances.
/// </para>
/// <para>Every transition is logged and traced (<see cref="WarmPoolTelemetry"/>) with the instance and run ids.</para>
/// </remarks>
public sealed partial class WarmPool
{
    private readonly IObjectStorage _storage;
    private readonly ILogger _logger;

    /// <exception cref="ArgumentException">An option breaks a rule (the message names it).</exception>
    public WarmPool(IObjectStorage storage, WarmPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _storage = storage;
        Options = options;
        Paths = new WarmPoolPaths(options.Root);
        _logger = options.LoggerFactory.CreateLogger<WarmPool>();
    }

    public WarmPoolOptions Options { get; }

    public WarmPoolPaths Paths { get; }

    internal IObjectStorage Storage => _storage;

    private DateTimeOffset Now => Options.TimeProvider.GetUtcNow();

    /// <summary>Whether launches of <paramref name="profile"/> use the pool.</summary>
    public bool IsEnabled(string? profile) => Options.For(profile) is not null;

    // ---------------------------------------------------------------- launcher side

    /// <summary>
    /// Claims an idle instance of <paramref name="profile"/> for <paramref name="runId"/> (CAS idle → claimed), or returns
    /// null when none is idle, the pool is draining, or the profile does not use the pool. Reads the profile's index and
    /// at most each of its instances once (bounded by the cap). Instances past <see cref="WarmPoolProfileOptions.MaxAge"/> are not claimed.
    /// </summary>
    /// <remarks>
    /// An instance still <see cref="WarmInstanceState.Running"/> a run whose exit code is already published is finishing
    /// (<see cref="CompleteJobAsync"/> publishes the exit code, then marks the instance idle): when nothing is idle, the claim
    /// waits for such an instance, up to the profile's <see cref="WarmPoolProfileOptions.AckTimeout"/>, rather than start a
    /// second one for a pipeline's next stage.
    /// </remarks>
    public async Task<WarmClaim?> TryClaimAsync(string profile, string runId, CancellationToken cancellationToken = default)
    {
        RunId.Validate(runId);
        if (Options.For(profile) is not { } profileOptions || await IsDrainingAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        using var activity = WarmPoolTelemetry.Source.StartActivity("WarmPool.Claim");
        activity?.SetTag(StagecraftTags.RunId, runId);
        var index = await ReadIndexAsync(profile, cancellationToken).ConfigureAwait(false);

        // A random order spreads concurrent launchers over the idle instances instead of all racing for the first.
        var candidates = index?.Document.Instances.ToArray() ?? [];
        Random.Shared.Shuffle(candidates);
        var finishing = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instanceId in candidates)
        {
            if (await ReadAsync(profile, instanceId, cancellationToken).ConfigureAwait(false) is not { } read)
            {
                continue;
            }

            if (read.Document is { State: WarmInstanceState.Running, RunId: { } running }
                && await _storage.StatAsync(new RunPaths(running).ExitCode, cancellationToken).ConfigureAwait(false) is not null)
            {
                finishing[instanceId] = running;
                continue;
            }

            if (await TryClaimIdleAsync(read, runId, profileOptions, cancellationToken).ConfigureAwait(false) is { } claim)
            {
                activity?.SetTag(StagecraftTags.PoolInstance, instanceId);
                return claim;
            }
        }

        var deadline = Now + profileOptions.AckTimeout;
        var poll = new EagerPollDelay(Options.AckPollInterval / 4, Options.AckPollInterval, Options.TimeProvider);
        while (finishing.Count > 0 && Now < deadline)
        {
            await Task.Delay(Min(poll.Next(), deadline - Now), Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            foreach (var (instanceId, running) in finishing.ToArray())
            {
                var read = await ReadAsync(profile, instanceId, cancellationToken).ConfigureAwait(false);
                if (read is { Document: { State: WarmInstanceState.Running } document } && document.RunId == running)
                {
                    continue; // still between its exit code and idle
                }

                finishing.Remove(instanceId);
                if (read is { } current && await TryClaimIdleAsync(current, runId, profileOptions, cancellationToken).ConfigureAwait(false) is { } claim)
                {
                    activity?.SetTag(StagecraftTags.PoolInstance, instanceId);
                    return claim;
                }
            }
        }

        return null;
    }

    /// <summary>CAS idle → claimed for <paramref name="runId"/> on the document read; null when it is not idle, too old, or moved meanwhile.</summary>
    private async Task<WarmClaim?> TryClaimIdleAsync(StoredJsonDocument<WarmInstanceDocument> read, string runId, WarmPoolProfileOptions profileOptions, CancellationToken cancellationToken)
    {
        if (read.Document.State != WarmInstanceState.Idle || Now - read.Document.LaunchedAt > profileOptions.MaxAge)
        {
            return null;
        }

        var claimId = WarmPoolNames.NewClaimId();
        var claimed = read.Document with { State = WarmInstanceState.Claimed, RunId = runId, ClaimId = claimId, StateSince = Now };
        return await TryWriteAsync(read, claimed, WarmPoolActor.Launcher, cancellationToken).ConfigureAwait(false) is { } written
            ? new WarmClaim(written, claimId)
            : null;
    }

    /// <summary>
    /// Stores the job a claimed instance runs for <paramref name="runId"/> (<see cref="WarmPoolPaths.Job"/>, create-only:
    /// a run id is never reused). The instance reads it before it ACKs.
    /// </summary>
    public async Task PutJobAsync(string profile, string runId, ReadOnlyMemory<byte> job, CancellationToken cancellationToken = default)
    {
        using var content = new MemoryStream(job.ToArray(), writable: false);
        await _storage.PutAsync(Paths.Job(profile, runId), content, new PutObjectOptions { IfGenerationMatch = 0, ContentType = "application/octet-stream" }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until the claimed instance ACKs (→ <see cref="WarmAckOutcome.Acked"/>) or the profile's ACK timeout passes;
    /// then releases the claim (CAS claimed → idle, only while it is still this claim), so a late ACK loses and the job is
    /// never run twice. The job document is removed: before returning when the claim is not ACKed, in the background once it is.
    /// </summary>
    public async Task<WarmAckOutcome> WaitForAckAsync(WarmClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var instance = claim.Instance;
        var ackTimeout = (Options.For(instance.Profile) ?? new WarmPoolProfileOptions()).AckTimeout;
        using var activity = WarmPoolTelemetry.Source.StartActivity("WarmPool.WaitForAck");
        activity?.SetTag(StagecraftTags.PoolInstance, instance.InstanceId);
        activity?.SetTag(StagecraftTags.RunId, instance.RunId);
        // Measured from the claim, so the time spent writing the job counts against the timeout.
        var deadline = instance.StateSince + ackTimeout;
        var poll = new EagerPollDelay(Options.AckPollInterval / 4, Options.AckPollInterval, Options.TimeProvider);
        WarmAckOutcome outcome;
        while (true)
        {
            var read = await ReadAsync(instance.Profile, instance.InstanceId, cancellationToken).ConfigureAwait(false);
            // More finished jobs than at the claim: the instance ACKed this claim and already ran the job (a claim leaves
            // its state only by that ACK, this launcher's release, or the reaper/cleanup, none of which counts a job).
            // Taking that for a lost claim would start the job a second time.
            if (read is { } done && done.Document.Jobs > instance.Jobs)
            {
                outcome = WarmAckOutcome.Acked;
                break;
            }

            if (read is not { } current || current.Document.ClaimId != claim.ClaimId)
            {
                outcome = WarmAckOutcome.Lost;
                break;
            }

            if (current.Document.State == WarmInstanceState.Running)
            {
                outcome = WarmAckOutcome.Acked;
                break;
            }

            if (current.Document.State != WarmInstanceState.Claimed)
            {
                outcome = WarmAckOutcome.Lost;
                break;
            }

            if (Now >= deadline)
            {
                var released = current.Document with { State = WarmInstanceState.Idle, ClaimId = null, StateSince = Now };
                if (await TryWriteAsync(current, released, WarmPoolActor.Launcher, cancellationToken).ConfigureAwait(false) is not null)
                {
                    LogReleased(_logger, instance.InstanceId, instance.RunId, ackTimeout);
                    outcome = WarmAckOutcome.Released;
                    break;
                }

                continue; // the document moved (an ACK just landed?): read again and decide from what it says
            }

            await Task.Delay(Min(poll.Next(), deadline - Now), Options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }

        activity?.SetTag(StagecraftTags.PoolAckOutcome, outcome.ToString());
        if (instance.RunId is { } runId)
        {
            if (outcome == WarmAckOutcome.Acked)
            {
                // The instance has read its job: removing the document need not hold up the launch (the reaper removes
                // one left behind by a process that ended first).
                _ = RemoveAckedJobAsync(Paths.Job(instance.Profile, runId));
            }
            else
            {
                await _storage.DeleteAsync(Paths.Job(instance.Profile, runId), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        return outcome;
    }

    private async Task RemoveAckedJobAsync(string key)
    {
        try
        {
            await _storage.DeleteAsync(key).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StorageException or IOException or ObjectDisposedException or HttpRequestException)
        {
            LogJobLeft(_logger, key, ex);
        }
    }

    /// <summary>
    /// Registers a fresh instance of <paramref name="profile"/> for its first job <paramref name="runId"/> (state
    /// <see cref="WarmInstanceState.Launching"/>), if the profile is below its cap and the pool is not draining;
    /// otherwise returns null and the launch proceeds without the pool. The document is created before the index entry,
    /// and the index entry is added by compare-and-swap only while the index is below the cap, so the cap holds across
    /// processes.
    /// </summary>
    public async Task<WarmRegistration?> TryRegisterAsync(string profile, string runId, string backend, CancellationToken cancellationToken = default)
    {
        RunId.Validate(runId);
        ArgumentException.ThrowIfNullOrEmpty(backend);
        if (Options.For(profile) is not { } profileOptions || await IsDrainingAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        using var activity = WarmPoolTelemetry.Source.StartActivity("WarmPool.Register");
        activity?.SetTag(StagecraftTags.RunId, runId);
        var now = Now;
        var document = new WarmInstanceDocument
        {
            InstanceId = WarmPoolNames.NewInstanceId(),
            Profile = profile,
            Backend = backend,
            State = WarmInstanceState.Launching,
            RunId = runId,
            LaunchedAt = now,
            StateSince = now,
        };
        activity?.SetTag(StagecraftTags.PoolInstance, document.InstanceId);
        Check(null, WarmInstanceState.Launching, WarmPoolActor.Launcher, document.InstanceId);
        var info = await _storage.PutJsonAsync(Paths.Instance(profile, document.InstanceId), document, WarmPoolJsonContext.Default.WarmInstanceDocument, new PutObjectOptions { IfGenerationMatch = 0 }, cancellationToken).ConfigureAwait(false);
        var registered = WarmInstance.From(document, info.Generation);

        var swept = false;
        while (true)
        {
            var index = await ReadIndexAsync(profile, cancellationToken).ConfigureAwait(false);
            var ids = index?.Document.Instances ?? [];
            if (ids.Count >= profileOptions.MaxInstances)
            {
                // Full: entries whose documents are gone (a crash between the two removals) do not count; drop them once.
                if (!swept && await DropDanglingIndexEntriesAsync(profile, cancellationToken).ConfigureAwait(false) > 0)
                {
                    swept = true;
                    continue;
                }

                await _storage.DeleteAsync(Paths.Instance(profile, document.InstanceId), new DeleteObjectOptions { IfGenerationMatch = info.Generation }, cancellationToken).ConfigureAwait(false);
                LogCapReached(_logger, profile, profileOptions.MaxInstances, runId);
                return null;
            }

            try
            {
                await _storage.PutJsonAsync(Paths.Index(profile), new WarmPoolIndexDocument { Instances = [.. ids, document.InstanceId] }, WarmPoolJsonContext.Default.WarmPoolIndexDocument, new PutObjectOptions { IfGenerationMatch = index?.Info.Generation ?? 0 }, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (PreconditionFailedException)
            {
                // Another launcher changed the index: re-read and re-check the cap.
            }
        }

        LogTransition(_logger, document.InstanceId, profile, "none", WarmInstanceState.Launching, WarmPoolActor.Launcher, runId);
        return new WarmRegistration(registered);
    }

    /// <summary>Records that a registered instance's machine exists and runs its first job (launching → running).</summary>
    /// <returns>False when the document moved on meanwhile (its first job already ended, or it was reaped).</returns>
    public async Task<bool> MarkLaunchedAsync(WarmRegistration registration, string? location, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var instance = registration.Instance;
        var read = await ReadAsync(instance.Profile, instance.InstanceId, cancellationToken).ConfigureAwait(false);
        if (read is not { } current || current.Document.State != WarmInstanceState.Launching)
        {
            return false;
        }

        return await TryWriteAsync(current, current.Document with { State = WarmInstanceState.Running, Location = location, StateSince = Now }, WarmPoolActor.Launcher, cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Removes a registration whose machine could not be created (launching → gone), freeing its place under the cap.</summary>
    public async Task AbandonLaunchAsync(WarmRegistration registration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var instance = registration.Instance;
        if (await ReadAsync(instance.Profile, instance.InstanceId, cancellationToken).ConfigureAwait(false) is { Document.State: WarmInstanceState.Launching } current)
        {
            await RemoveAsync(current, WarmPoolActor.Launcher, cancellationToken).ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- instance side

    /// <summary>
    /// The instance's job <paramref name="runId"/> ended with <paramref name="exit"/>: publishes the run's exit code
    /// (<see cref="RunExitPublisher"/>, create-only; the job's logs must already be stored), then moves the document
    /// running → idle. Refused (returns null, the exit code still published) when the document is not running that run —
    /// a claim released, a reaped instance.
    /// </summary>
    /// <remarks>
    /// One order for every kind of instance: the exit code first, so a run's end is visible before its instance can be
    /// claimed again, and whoever terminates a run that has no exit code yet knows its instance is still on that run.
    /// A launcher that finds the instance between the two waits for it (see <see cref="TryClaimAsync"/>). A Compute Engine
    /// VM's script follows the same order.
    /// </remarks>
    public async Task<WarmInstance?> CompleteJobAsync(string profile, string instanceId, string runId, RunExitRecord exit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exit);
        await RunExitPublisher.PublishAsync(_storage, new RunPaths(runId), exit, cancellationToken).ConfigureAwait(false);
        var read = await ReadAsync(profile, instanceId, cancellationToken).ConfigureAwait(false);
        if (read is not { } current || current.Document.RunId != runId
            || !WarmInstanceTransitions.IsAllowed(current.Document.State, WarmInstanceState.Idle, WarmPoolActor.Instance))
        {
            return null;
        }

        return await TryWriteAsync(current, current.Document with { State = WarmInstanceState.Idle, ClaimId = null, Jobs = current.Document.Jobs + 1, StateSince = Now }, WarmPoolActor.Instance, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// If the instance is claimed and its job is stored, ACKs the claim (CAS claimed → running) and returns the job;
    /// otherwise (not claimed, job not written yet, or the launcher released the claim first) returns null.
    /// </summary>
    public async Task<WarmJob?> TryAcceptAsync(string profile, string instanceId, CancellationToken cancellationToken = default)
    {
        var read = await ReadAsync(profile, instanceId, cancellationToken).ConfigureAwait(false);
        if (read is not { Document: { State: WarmInstanceState.Claimed, RunId: { } runId } } current)
        {
            return null;
        }

        byte[] job;
        try
        {
            var result = await _storage.GetAsync(Paths.Job(profile, runId), cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (result.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                await result.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                job = buffer.ToArray();
            }
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }

        return await TryWriteAsync(current, current.Document with { State = WarmInstanceState.Running, StateSince = Now }, WarmPoolActor.Instance, cancellationToken).ConfigureAwait(false) is { } acked
            ? new WarmJob(acked, runId, job)
            : null;
    }

    /// <summary>
    /// The instance gives up while running <paramref name="runId"/> (its job could not be stopped at its timeout, so the
    /// machine ends): running → deleting, so no launch waits for it to turn idle. Null when the document is not running that run.
    /// </summary>
    public async Task<WarmInstance?> LeaveAsync(string profile, string instanceId, string runId, CancellationToken cancellationToken = default)
    {
        var read = await ReadAsync(profile, instanceId, cancellationToken).ConfigureAwait(false);
        return read is { Document.State: WarmInstanceState.Running } current && current.Document.RunId == runId
            ? await TryWriteAsync(current, current.Document with { State = WarmInstanceState.Deleting, StateSince = Now }, WarmPoolActor.Instance, cancellationToken).ConfigureAwait(false)
            : null;
    }

    /// <summary>The instance's idle timeout passed: idle → deleting. Null when a claim won first (then it runs that job).</summary>
    public async Task<WarmInstance?> RetireAsync(string profile, string instanceId, CancellationToken cancellationToken = default)
    {
        var read = await ReadAsync(profile, instanceId, cancellationToken).ConfigureAwait(false);
        return read is { Document.State: WarmInstanceState.Idle } current
            ? await TryWriteAsync(current, current.Document with { State = WarmInstanceState.Deleting, StateSince = Now }, WarmPoolActor.Instance, cancellationToken).ConfigureAwait(false)
            : null;
    }

    // ---------------------------------------------------------------- operations

    /// <summary>The instance's current document, or null.</summary>
    public async Task<WarmInstance?> GetAsync(string profile, string instanceId, CancellationToken cancellationToken = default) =>
        await ReadAsync(profile, instanceId, cancellationToken).ConfigureAwait(false) is { } read ? WarmInstance.From(read.Document, read.Info.Generation) : null;

    /// <summary>
    /// Every instance of <paramref name="profile"/> (or of every profile with documents) — for people and the reaper, not the
    /// hot path: it lists the instance documents, so it also finds documents a crash left out of the index.
    /// </summary>
    public async IAsyncEnumerable<WarmInstance> ListAsync(string? profile = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var profiles = profile is not null ? [WarmPoolNames.ValidateProfile(profile)] : await ListProfilesAsync(cancellationToken).ConfigureAwait(false);
        foreach (var name in profiles)
        {
            var prefix = Paths.Profile(name) + "instances/";
            var keys = new List<string>();
            await foreach (var entry in _storage.ListAsync(prefix, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (entry.Object is { } obj)
                {
                    keys.Add(obj.Key);
                }
            }

            foreach (var key in keys)
            {
                if (await TryReadDocumentAsync(key, cancellationToken).ConfigureAwait(false) is { } read)
                {
                    yield return WarmInstance.From(read.Document, read.Info.Generation);
                }
            }
        }
    }

    /// <summary>The profiles that have pool documents (listing the root; for operations, not the hot path).</summary>
    public async Task<IReadOnlyList<string>> ListProfilesAsync(CancellationToken cancellationToken = default)
    {
        var profiles = new List<string>();
        await foreach (var entry in _storage.ListAsync(Paths.Root, new ListObjectsOptions { Delimiter = "/" }, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Prefix is { } folded && Paths.ProfileOfPrefix(folded) is { } profile)
            {
                profiles.Add(profile);
            }
        }

        return profiles;
    }

    /// <summary>Stops claims and registrations (every process sharing the pool): idle instances then delete themselves on their idle timeout.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken = default)
    {
        using var content = new MemoryStream("draining\n"u8.ToArray(), writable: false);
        await _storage.PutAsync(Paths.DrainMarker, content, new PutObjectOptions { ContentType = "text/plain" }, cancellationToken).ConfigureAwait(false);
        LogDrain(_logger, Paths.Root, true);
    }

    /// <summary>Ends a drain: launches claim and register again.</summary>
    public async Task ResumeAsync(CancellationToken cancellationToken = default)
    {
        await _storage.DeleteAsync(Paths.DrainMarker, cancellationToken: cancellationToken).ConfigureAwait(false);
        LogDrain(_logger, Paths.Root, false);
    }

    /// <summary>Whether the pool is drained (one stat).</summary>
    public async Task<bool> IsDrainingAsync(CancellationToken cancellationToken = default) =>
        await _storage.StatAsync(Paths.DrainMarker, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>
    /// Emergency cleanup: drains the pool, then deletes the machine of every instance (whatever its state, jobs included)
    /// through the host of its backend, removes every document and job, and reports each step. Refuses without
    /// <paramref name="confirm"/>.
    /// </summary>
    /// <exception cref="WarmPoolException"><paramref name="confirm"/> is false.</exception>
    public async Task<WarmPoolReport> CleanupAsync(IEnumerable<IWarmInstanceHost> hosts, bool confirm, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        if (!confirm)
        {
            throw new WarmPoolException($"Emergency cleanup of the warm pool '{Paths.Root}' deletes every instance, including those running jobs; pass confirm: true to proceed.");
        }

        using var activity = WarmPoolTelemetry.Source.StartActivity("WarmPool.Cleanup");
        var byBackend = hosts.ToDictionary(h => h.Backend, StringComparer.Ordinal);
        var actions = new List<WarmPoolAction>();
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        foreach (var profile in await ListProfilesAsync(cancellationToken).ConfigureAwait(false))
        {
            await foreach (var instance in ListAsync(profile, cancellationToken).ConfigureAwait(false))
            {
                if (!byBackend.TryGetValue(instance.Backend, out var host))
                {
                    actions.Add(new WarmPoolAction(profile, instance.InstanceId, instance.State, WarmPoolActionKind.Failed, $"no host for backend '{instance.Backend}' was given; its machine was left alone"));
                    continue;
                }

                var deleting = instance;
                if (instance.State != WarmInstanceState.Deleting)
                {
                    var read = await ReadAsync(profile, instance.InstanceId, cancellationToken).ConfigureAwait(false);
                    if (read is null)
                    {
                        continue;
                    }

                    // Forced: whatever the state now, the cleanup wins (retrying on a concurrent move).
                    deleting = await ForceAsync(read.Value, WarmInstanceState.Deleting, WarmPoolActor.Cleanup, cancellationToken).ConfigureAwait(false) ?? instance;
                }

                try
                {
                    await host.DeleteMachineAsync(deleting, cancellationToken).ConfigureAwait(false);
                    actions.Add(new WarmPoolAction(profile, instance.InstanceId, instance.State, WarmPoolActionKind.DeletedMachine, "emergency cleanup"));
                }
#pragma warning disable CA1031 // One machine failing must not stop the cleanup of the others; the failure is reported.
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    actions.Add(new WarmPoolAction(profile, instance.InstanceId, instance.State, WarmPoolActionKind.Failed, "deleting the machine failed: " + ex.Message));
                    continue;
                }

                if (await ReadAsync(profile, instance.InstanceId, cancellationToken).ConfigureAwait(false) is { } last)
                {
                    await RemoveAsync(last, WarmPoolActor.Cleanup, cancellationToken).ConfigureAwait(false);
                }

                actions.Add(new WarmPoolAction(profile, instance.InstanceId, instance.State, WarmPoolActionKind.RemovedDocument, "emergency cleanup"));
            }

            await DropDanglingIndexEntriesAsync(profile, cancellationToken).ConfigureAwait(false);
            foreach (var job in await ListJobsAsync(profile, cancellationToken).ConfigureAwait(false))
            {
                await _storage.DeleteAsync(job.Key, cancellationToken: cancellationToken).ConfigureAwait(false);
                actions.Add(new WarmPoolAction(profile, job.Key[Paths.JobsPrefix(profile).Length..], null, WarmPoolActionKind.RemovedJob, "emergency cleanup"));
            }
        }

        LogCleanup(_logger, Paths.Root, actions.Count(a => a.Kind == WarmPoolActionKind.DeletedMachine), actions.Count(a => a.Kind == WarmPoolActionKind.Failed));
        return new WarmPoolReport(actions);
    }

    // ---------------------------------------------------------------- shared machinery

    /// <summary>The stored job documents of <paramref name="profile"/> (listing; for the reaper and cleanup).</summary>
    internal async Task<List<ObjectInfo>> ListJobsAsync(string profile, CancellationToken cancellationToken)
    {
        var jobs = new List<ObjectInfo>();
        await foreach (var entry in _storage.ListAsync(Paths.JobsPrefix(profile), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entry.Object is { } job)
            {
                jobs.Add(job);
            }
        }

        return jobs;
    }

    internal async Task<StoredJsonDocument<WarmInstanceDocument>?> ReadAsync(string profile, string instanceId, CancellationToken cancellationToken) =>
        await TryReadDocumentAsync(Paths.Instance(profile, instanceId), cancellationToken).ConfigureAwait(false);

    private async Task<StoredJsonDocument<WarmInstanceDocument>?> TryReadDocumentAsync(string key, CancellationToken cancellationToken)
    {
        while (true)
        {
            StoredJsonDocument<WarmInstanceDocument>? read;
            try
            {
                read = await _storage.TryReadJsonAsync(key, WarmPoolJsonContext.Default.WarmInstanceDocument, cancellationToken).ConfigureAwait(false);
            }
            catch (StoredDocumentException ex)
            {
                throw new WarmPoolException($"The warm-pool instance document '{key}' is corrupt: {ex.Message}", ex);
            }

            // A read racing a write can find the generation it pinned replaced and report the object missing; taking that
            // for "gone" would make a launcher treat an ACKed claim as lost and run the job twice. Gone is what a stat says.
            if (read is not null || await _storage.StatAsync(key, cancellationToken).ConfigureAwait(false) is null)
            {
                return read;
            }
        }
    }

    internal async Task<StoredJsonDocument<WarmPoolIndexDocument>?> ReadIndexAsync(string profile, CancellationToken cancellationToken)
    {
        try
        {
            return await _storage.TryReadJsonAsync(Paths.Index(profile), WarmPoolJsonContext.Default.WarmPoolIndexDocument, cancellationToken).ConfigureAwait(false);
        }
        catch (StoredDocumentException ex)
        {
            throw new WarmPoolException($"The warm-pool index of profile '{profile}' is corrupt: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Writes <paramref name="next"/> over <paramref name="current"/> if the move is in the table and the document still has
    /// the generation read. Returns the written instance, or null when another writer moved it first.
    /// </summary>
    internal async Task<WarmInstance?> TryWriteAsync(StoredJsonDocument<WarmInstanceDocument> current, WarmInstanceDocument next, WarmPoolActor actor, CancellationToken cancellationToken)
    {
        var from = current.Document.State;
        Check(from, next.State, actor, next.InstanceId);
        using var activity = WarmPoolTelemetry.Source.StartActivity("WarmPool.Transition");
        activity?.SetTag(StagecraftTags.PoolInstance, next.InstanceId);
        activity?.SetTag(StagecraftTags.RunId, next.RunId);
        activity?.SetTag(StagecraftTags.PoolFromState, from.ToString());
        activity?.SetTag(StagecraftTags.PoolToState, next.State.ToString());
        try
        {
            var info = await _storage.PutJsonAsync(current.Info.Key, next, WarmPoolJsonContext.Default.WarmInstanceDocument, new PutObjectOptions { IfGenerationMatch = current.Info.Generation }, cancellationToken).ConfigureAwait(false);
            LogTransition(_logger, next.InstanceId, next.Profile, from.ToString(), next.State, actor, next.RunId);
            return WarmInstance.From(next, info.Generation);
        }
        catch (PreconditionFailedException)
        {
            activity?.SetTag(StagecraftTags.PoolLostRace, true);
            return null;
        }
    }

    /// <summary>Moves the document to <paramref name="to"/> whatever it holds now (cleanup), retrying when another writer moves it meanwhile.</summary>
    private async Task<WarmInstance?> ForceAsync(StoredJsonDocument<WarmInstanceDocument> current, WarmInstanceState to, WarmPoolActor actor, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (current.Document.State == to)
            {
                return WarmInstance.From(current.Document, current.Info.Generation);
            }

            if (await TryWriteAsync(current, current.Document with { State = to, StateSince = Now }, actor, cancellationToken).ConfigureAwait(false) is { } written)
            {
                return written;
            }

            if (await ReadAsync(current.Document.Profile, current.Document.InstanceId, cancellationToken).ConfigureAwait(false) is not { } again)
            {
                return null;
            }

            current = again;
        }
    }

    /// <summary>Removes the document (CAS on the generation read) and then its index entry.</summary>
    internal async Task<bool> RemoveAsync(StoredJsonDocument<WarmInstanceDocument> current, WarmPoolActor actor, CancellationToken cancellationToken)
    {
        var document = current.Document;
        Check(document.State, null, actor, document.InstanceId);
        try
        {
            await _storage.DeleteAsync(current.Info.Key, new DeleteObjectOptions { IfGenerationMatch = current.Info.Generation }, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            return false;
        }

        LogTransition(_logger, document.InstanceId, document.Profile, document.State.ToString(), null, actor, document.RunId);
        await RemoveFromIndexAsync(document.Profile, [document.InstanceId], cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task RemoveFromIndexAsync(string profile, IReadOnlyCollection<string> instanceIds, CancellationToken cancellationToken)
    {
        while (true)
        {
            var index = await ReadIndexAsync(profile, cancellationToken).ConfigureAwait(false);
            if (index is not { } current || !current.Document.Instances.Any(instanceIds.Contains))
            {
                return;
            }

            try
            {
                await _storage.PutJsonAsync(Paths.Index(profile), new WarmPoolIndexDocument { Instances = [.. current.Document.Instances.Where(i => !instanceIds.Contains(i))] }, WarmPoolJsonContext.Default.WarmPoolIndexDocument, new PutObjectOptions { IfGenerationMatch = current.Info.Generation }, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PreconditionFailedException)
            {
            }
        }
    }

    /// <summary>Drops index entries whose documents are gone; returns how many.</summary>
    internal async Task<int> DropDanglingIndexEntriesAsync(string profile, CancellationToken cancellationToken)
    {
        var index = await ReadIndexAsync(profile, cancellationToken).ConfigureAwait(false);
        var dangling = new List<string>();
        foreach (var id in index?.Document.Instances ?? [])
        {
            if (await _storage.StatAsync(Paths.Instance(profile, id), cancellationToken).ConfigureAwait(false) is null)
            {
                dangling.Add(id);
            }
        }

        if (dangling.Count > 0)
        {
            await RemoveFromIndexAsync(profile, dangling, cancellationToken).ConfigureAwait(false);
        }

        return dangling.Count;
    }

    private static void Check(WarmInstanceState? from, WarmInstanceState? to, WarmPoolActor actor, string instanceId)
    {
        if (!WarmInstanceTransitions.IsAllowed(from, to, actor))
        {
            throw new WarmPoolException($"Refused warm-pool transition of instance '{instanceId}': {actor} may not move it from {from?.ToString() ?? "none"} to {to?.ToString() ?? "gone"} (see WarmInstanceTransitions).");
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (b < TimeSpan.Zero ? TimeSpan.Zero : a) : (b < TimeSpan.Zero ? TimeSpan.Zero : b);

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Warm instance {InstanceId} ({Profile}): {From} -> {To} by {Actor} (run {RunId})")]
    private static partial void LogTransition(ILogger logger, string instanceId, string profile, string from, WarmInstanceState? to, WarmPoolActor actor, string? runId);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Warm instance {InstanceId} did not ACK run {RunId} within {AckTimeout}; the claim was released and the run starts cold")]
    private static partial void LogReleased(ILogger logger, string instanceId, string? runId, TimeSpan ackTimeout);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Warm pool profile {Profile} is at its cap of {Cap} instances; run {RunId} launches without the pool")]
    private static partial void LogCapReached(ILogger logger, string profile, int cap, string runId);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Warm pool job document {Key} could not be removed after its ACK; the reaper removes it")]
    private static partial void LogJobLeft(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Warm pool {Root}: draining = {Draining}")]
    private static partial void LogDrain(ILogger logger, string root, bool draining);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Warm pool {Root}: emergency cleanup deleted {Deleted} machine(s), {Failed} failure(s)")]
    private static partial void LogCleanup(ILogger logger, string root, int deleted, int failed);
}
