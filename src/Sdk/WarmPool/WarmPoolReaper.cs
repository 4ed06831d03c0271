using Stagecraft.Telemetry;
using Microsoft.Extensions.Logging;

namespace Stagecraft.WarmPool;

/// <summary>
/// Looks after a pool from any process: removes the documents of instances whose machines vanished (deleted by hand,
/// preempted), deletes instances idle past their timeout whose self-deletion failed and idle instances past their
/// <see cref="WarmPoolProfileOptions.MaxAge"/>, finishes deletions, and removes job documents no claim will read.
/// </summary>
/// <remarks>
/// It never deletes the machine of a <see cref="WarmInstanceState.Running"/>, <see cref="WarmInstanceState.Claimed"/> or
/// <see cref="WarmInstanceState.Launching"/> instance: those are only forgotten once their machine is already gone, and a
/// launching one only after <see cref="WarmPoolOptions.LaunchGrace"/> (its machine may not exist yet). Retiring an idle
/// instance is a compare-and-swap idle → deleting, so an instance claimed a moment earlier is left to its job.
/// </remarks>
public sealed partial class WarmPoolReaper
{
    private readonly WarmPool _pool;
    private readonly Dictionary<string, IWarmInstanceHost> _hosts;
    private readonly ILogger _logger;

    /// <param name="pool">The pool to look after.</param>
    /// <param name="hosts">One host per backend whose machines the reaper may probe and delete; instances of other backends are left alone.</param>
    public WarmPoolReaper(WarmPool pool, IEnumerable<IWarmInstanceHost> hosts)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(hosts);
        _pool = pool;
        _hosts = hosts.ToDictionary(h => h.Backend, StringComparer.Ordinal);
        _logger = pool.Options.LoggerFactory.CreateLogger<WarmPoolReaper>();
    }

    /// <summary>One pass over every profile with documents. Failures of single instances are reported, not thrown.</summary>
    public async Task<WarmPoolReport> ReapAsync(CancellationToken cancellationToken = default)
    {
        using var activity = WarmPoolTelemetry.Source.StartActivity("WarmPool.Reap");
        var actions = new List<WarmPoolAction>();
        foreach (var profile in await _pool.ListProfilesAsync(cancellationToken).ConfigureAwait(false))
        {
            var options = _pool.Options.Profiles.GetValueOrDefault(profile) ?? new WarmPoolProfileOptions();
            var instances = new List<WarmInstance>();
            await foreach (var instance in _pool.ListAsync(profile, cancellationToken).ConfigureAwait(false))
            {
                instances.Add(instance);
            }

            foreach (var instance in instances)
            {
                if (!_hosts.TryGetValue(instance.Backend, out var host))
                {
                    continue;
                }

                try
                {
                    await ReapAsync(instance, host, options, actions, cancellationToken).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // One instance failing must not stop the pass; the failure is reported and retried next pass.
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    actions.Add(new WarmPoolAction(profile, instance.InstanceId, instance.State, WarmPoolActionKind.Failed, ex.Message));
                }
            }

            var dropped = await _pool.DropDanglingIndexEntriesAsync(profile, cancellationToken).ConfigureAwait(false);
            if (dropped > 0)
            {
                actions.Add(new WarmPoolAction(profile, $"{dropped} index entries", null, WarmPoolActionKind.DroppedIndexEntry, "their documents are gone"));
            }

            // A job document lives from a claim to its ACK or release; one older than the ACK timeout plus the grace is orphaned.
            var now = _pool.Options.TimeProvider.GetUtcNow();
            foreach (var job in await _pool.ListJobsAsync(profile, cancellationToken).ConfigureAwait(false))
            {
                if (now - job.Updated > options.AckTimeout + _pool.Options.SelfDeleteGrace)
                {
                    await _pool.Storage.DeleteAsync(job.Key, new Storage.DeleteObjectOptions { IfGenerationMatch = job.Generation }, cancellationToken).ConfigureAwait(false);
                    actions.Add(new WarmPoolAction(profile, job.Key[_pool.Paths.JobsPrefix(profile).Length..], null, WarmPoolActionKind.RemovedJob, "no launch waits for it any more"));
                }
            }
        }

        foreach (var action in actions)
        {
            LogAction(_logger, action.InstanceId, action.Profile, action.StateBefore, action.Kind, action.Reason);
        }

        activity?.SetTag(StagecraftTags.PoolActions, actions.Count);
        return new WarmPoolReport(actions);
    }

    /// <summary>
    /// The same rules for one instance (one read; no listing): for a backend that just stopped an instance's machine and
    /// wants its document gone now rather than at the next pass.
    /// </summary>
    public async Task<WarmPoolReport> ReapAsync(string profile, string instanceId, CancellationToken cancellationToken = default)
    {
        var actions = new List<WarmPoolAction>();
        if (await _pool.GetAsync(profile, instanceId, cancellationToken).ConfigureAwait(false) is { } instance && _hosts.TryGetValue(instance.Backend, out var host))
        {
            await ReapAsync(instance, host, _pool.Options.Profiles.GetValueOrDefault(profile) ?? new WarmPoolProfileOptions(), actions, cancellationToken).ConfigureAwait(false);
        }

        foreach (var action in actions)
        {
            LogAction(_logger, action.InstanceId, action.Profile, action.StateBefore, action.Kind, action.Reason);
        }

        return new WarmPoolReport(actions);
    }

    private async Task ReapAsync(WarmInstance instance, IWarmInstanceHost host, WarmPoolProfileOptions options, List<WarmPoolAction> actions, CancellationToken cancellationToken)
    {
        var now = _pool.Options.TimeProvider.GetUtcNow();
        if (instance.State == WarmInstanceState.Launching && now - instance.LaunchedAt < _pool.Options.LaunchGrace)
        {
            return; // its machine may be being created right now
        }

        var machine = await host.ProbeAsync(instance, cancellationToken).ConfigureAwait(false);
        if (machine != WarmMachineStatus.Alive)
        {
            if (machine == WarmMachineStatus.Stopped)
            {
                await host.DeleteMachineAsync(instance, cancellationToken).ConfigureAwait(false);
                actions.Add(new WarmPoolAction(instance.Profile, instance.InstanceId, instance.State, WarmPoolActionKind.DeletedMachine, "its machine is stopped (preempted or shut down)"));
            }

            await RemoveIfUnchangedAsync(instance, machine == WarmMachineStatus.Gone ? "its machine is gone" : "its machine was stopped and is now deleted", actions, cancellationToken).ConfigureAwait(false);
            return;
        }

        string? reason = instance.State switch
        {
            WarmInstanceState.Idle when now - instance.StateSince > options.IdleTimeout + _pool.Options.SelfDeleteGrace => "idle past its timeout; its self-deletion did not happen",
            WarmInstanceState.Idle when now - instance.LaunchedAt > options.MaxAge => "older than the profile's maximum age",
            WarmInstanceState.Deleting when now - instance.StateSince > _pool.Options.SelfDeleteGrace => "deleting for longer than the grace; finishing the deletion",
            _ => null,
        };
        if (reason is null)
        {
            return;
        }

        if (instance.State == WarmInstanceState.Idle)
        {
            var read = await _pool.ReadAsync(instance.Profile, instance.InstanceId, cancellationToken).ConfigureAwait(false);
            if (read is not { } current || current.Info.Generation != instance.Generation
                || await _pool.TryWriteAsync(current, current.Document with { State = WarmInstanceState.Deleting, StateSince = now }, WarmPoolActor.Reaper, cancellationToken).ConfigureAwait(false) is null)
            {
                return; // claimed (or otherwise moved) since it was listed: not ours to delete
            }
        }

        await host.DeleteMachineAsync(instance, cancellationToken).ConfigureAwait(false);
        actions.Add(new WarmPoolAction(instance.Profile, instance.InstanceId, instance.State, WarmPoolActionKind.DeletedMachine, reason));
        if (await _pool.ReadAsync(instance.Profile, instance.InstanceId, cancellationToken).ConfigureAwait(false) is { } deleted
            && await _pool.RemoveAsync(deleted, WarmPoolActor.Reaper, cancellationToken).ConfigureAwait(false))
        {
            actions.Add(new WarmPoolAction(instance.Profile, instance.InstanceId, WarmInstanceState.Deleting, WarmPoolActionKind.RemovedDocument, "its machine was deleted"));
        }
    }

    private async Task RemoveIfUnchangedAsync(WarmInstance instance, string reason, List<WarmPoolAction> actions, CancellationToken cancellationToken)
    {
        var read = await _pool.ReadAsync(instance.Profile, instance.InstanceId, cancellationToken).ConfigureAwait(false);
        if (read is { } current && current.Info.Generation == instance.Generation
            && await _pool.RemoveAsync(current, WarmPoolActor.Reaper, cancellationToken).ConfigureAwait(false))
        {
            actions.Add(new WarmPoolAction(instance.Profile, instance.InstanceId, instance.State, WarmPoolActionKind.RemovedDocument, reason));
        }
    }

    [LoggerMessage(EventId = 1210, Level = LogLevel.Information, Message = "Warm pool reaper: instance {InstanceId} ({Profile}, {State}): {Kind} — {Reason}")]
    private static partial void LogAction(ILogger logger, string instanceId, string profile, WarmInstanceState? state, WarmPoolActionKind kind, string reason);
}
