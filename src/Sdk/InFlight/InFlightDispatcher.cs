using Microsoft.Extensions.Logging;

namespace Stagecraft.InFlight;

/// <summary>
/// The dispatcher's side of the in-flight registry. Record processes as soon as they are spawned (before dispatching to
/// them); if the dispatch then fails, <see cref="HandOffAsync"/> gives them to the reaper; when the run succeeds or
/// completes, <see cref="CompleteAsync"/> clears its entries; <see cref="HeartbeatAsync"/> proves the owner is alive.
/// </summary>
/// <remarks>
/// <para>
/// Every call writes only the registry entries it touches. If the write fails, exactly those entries are rolled back in
/// memory to their prior values — a prior value is restored, not deleted, so an earlier hand-off for the same name
/// survives a failed later write and is still in the next successful one (a seed deleted it on rollback, and the next
/// registry rewrite erased the durable hand-off).
/// </para>
/// <para>Protected pids (configured, this process, its ancestors) are dropped before anything is written.</para>
/// <para>Calls on one instance are serialised; the store serialises instances and processes.</para>
/// </remarks>
public sealed partial class InFlightDispatcher : IDisposable
{
    /// <summary>The longest name accepted.</summary>
    public const int MaxNameLength = 256;

    /// <summary>The shortest command-line marker accepted (a short marker could match unrelated processes).</summary>
    public const int MinMarkerLength = 8;

    private readonly IInFlightRegistryStore _store;
    private readonly IProcessTable _processes;
    private readonly InFlightDispatcherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<InFlightKey, InFlightEntry> _entries = [];

    public InFlightDispatcher(
        IInFlightRegistryStore store,
        IProcessTable processes,
        InFlightDispatcherOptions options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(processes);
        ArgumentNullException.ThrowIfNull(options);
        ValidateText(options.OwnerId, "options.OwnerId");
        _store = store;
        _processes = processes;
        _options = options;
        _time = options.TimeProvider;
        _logger = options.LoggerFactory.CreateLogger<InFlightDispatcher>();
    }

    /// <summary>This dispatcher's owner id.</summary>
    public string OwnerId => _options.OwnerId;

    /// <summary>A copy of the entries this dispatcher believes are in the registry.</summary>
    public IReadOnlyList<InFlightEntry> TrackedEntries
    {
        get
        {
            _gate.Wait();
            try
            {
                return [.. _entries.Values];
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>
    /// Records processes just spawned for <paramref name="name"/> (merged with any already recorded), with their identity,
    /// and persists them. Pids that are protected or no longer running are not recorded (and are logged).
    /// </summary>
    /// <param name="name">The run or agent name.</param>
    /// <param name="processIds">The pids spawned.</param>
    /// <param name="commandLineMarker">Optional text present in every command line of the run (at least <see cref="MinMarkerLength"/> characters).</param>
    /// <param name="cancellationToken">Cancels the registry write.</param>
    /// <returns>The entry as persisted.</returns>
    public async Task<InFlightEntry> RecordSpawnedAsync(string name, IEnumerable<int> processIds, string? commandLineMarker = null, CancellationToken cancellationToken = default)
    {
        ValidateText(name, nameof(name));
        ArgumentNullException.ThrowIfNull(processIds);
        if (commandLineMarker is not null)
        {
            ValidateText(commandLineMarker, nameof(commandLineMarker));
            if (commandLineMarker.Length < MinMarkerLength)
            {
                throw new ArgumentException($"Command-line marker '{commandLineMarker}' is shorter than {MinMarkerLength} characters and could match unrelated processes.", nameof(commandLineMarker));
            }
        }

        var identities = Identify(name, processIds);
        var key = new InFlightKey(OwnerId, name, InFlightEntryState.Running);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var previous = _entries.GetValueOrDefault(key);
            var entry = new InFlightEntry(name, OwnerId, now, InFlightEntryState.Running, Merge(previous?.Processes, identities), commandLineMarker ?? previous?.CommandLineMarker);
            await PersistAsync(new Dictionary<InFlightKey, InFlightEntry?> { [key] = entry }, cancellationToken).ConfigureAwait(false);
            return entry;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Records a backend run about to be launched (call it before the launch, so a crash during the launch still leaves
    /// the entry), or adds the launch's handle to it once the launch returned. The entry carries this process as its
    /// owner, with its identity, so a reaper on this host leaves it alone exactly as long as this process lives.
    /// </summary>
    /// <param name="name">The entry's name (the backend run id).</param>
    /// <param name="run">The backend, the run id and, once known, the handle.</param>
    /// <param name="cancellationToken">Cancels the registry write.</param>
    /// <returns>The entry as persisted.</returns>
    /// <exception cref="InvalidOperationException">This process's own identity cannot be read.</exception>
    public async Task<InFlightEntry> RecordBackendRunAsync(string name, InFlightBackendRun run, CancellationToken cancellationToken = default)
    {
        ValidateText(name, nameof(name));
        ArgumentNullException.ThrowIfNull(run);
        ValidateText(run.Backend, "run.Backend");
        ValidateText(run.RunId, "run.RunId");
        var self = _processes.GetIdentity(_processes.CurrentProcessId)
            ?? throw new InvalidOperationException($"The identity of this process (pid {_processes.CurrentProcessId}) cannot be read, so backend run '{run.RunId}' cannot be recorded with its owner.");
        var key = new InFlightKey(OwnerId, name, InFlightEntryState.Running);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var entry = new InFlightEntry(name, OwnerId, _time.GetUtcNow(), InFlightEntryState.Running, [], null, run, new InFlightOwnerProcess(_options.HostName, self));
            await PersistAsync(new Dictionary<InFlightKey, InFlightEntry?> { [key] = entry }, cancellationToken).ConfigureAwait(false);
            return entry;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The dispatch of <paramref name="name"/> failed after processes were spawned: moves its recorded processes (plus any
    /// <paramref name="additionalProcessIds"/>) into a hand-off entry for the reaper, merged with any earlier hand-off for
    /// the same name. If the write fails, the earlier hand-off and the tracked entry are restored exactly.
    /// </summary>
    /// <returns>The hand-off entry as persisted, or null when there was nothing to hand off.</returns>
    public async Task<InFlightEntry?> HandOffAsync(string name, IEnumerable<int>? additionalProcessIds = null, CancellationToken cancellationToken = default)
    {
        ValidateText(name, nameof(name));
        var extra = Identify(name, additionalProcessIds ?? []);
        var running = new InFlightKey(OwnerId, name, InFlightEntryState.Running);
        var handoff = new InFlightKey(OwnerId, name, InFlightEntryState.HandedOff);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var tracked = _entries.GetValueOrDefault(running);
            var earlier = _entries.GetValueOrDefault(handoff);
            var processes = Merge(Merge(earlier?.Processes, tracked?.Processes ?? []), extra);
            var marker = tracked?.CommandLineMarker ?? earlier?.CommandLineMarker;
            var backendRun = tracked?.BackendRun ?? earlier?.BackendRun;
            if (processes.Count == 0 && marker is null && backendRun is null)
            {
                if (tracked is not null)
                {
                    await PersistAsync(new Dictionary<InFlightKey, InFlightEntry?> { [running] = null }, cancellationToken).ConfigureAwait(false);
                }

                return null;
            }

            var entry = new InFlightEntry(name, OwnerId, _time.GetUtcNow(), InFlightEntryState.HandedOff, processes, marker, backendRun, tracked?.OwnerProcess ?? earlier?.OwnerProcess);
            await PersistAsync(new Dictionary<InFlightKey, InFlightEntry?> { [running] = null, [handoff] = entry }, cancellationToken).ConfigureAwait(false);
            LogHandedOff(_logger, name, processes.Count);
            return entry;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The run succeeded or completed: clears its tracked entry and any hand-off for the same name.</summary>
    public async Task CompleteAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateText(name, nameof(name));
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await PersistAsync(
                new Dictionary<InFlightKey, InFlightEntry?>
                {
                    [new InFlightKey(OwnerId, name, InFlightEntryState.Running)] = null,
                    [new InFlightKey(OwnerId, name, InFlightEntryState.HandedOff)] = null,
                },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Refreshes the heartbeat of every tracked (not handed-off) entry of this owner.</summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var changes = _entries.Values
                .Where(e => e.State == InFlightEntryState.Running)
                .ToDictionary(e => e.Key, e => (InFlightEntry?)(e with { Heartbeat = now }));
            if (changes.Count > 0)
            {
                await PersistAsync(changes, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Calls <see cref="HeartbeatAsync"/> every <paramref name="interval"/> until cancelled; write failures are logged and retried next tick.</summary>
    public async Task RunHeartbeatLoopAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await HeartbeatAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogHeartbeatFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>
    /// Applies <paramref name="changes"/> (null = remove) to memory and to the store. On failure, restores each touched key
    /// to its prior value (re-adding it if it existed, removing it if it did not) and rethrows.
    /// </summary>
    private async Task PersistAsync(Dictionary<InFlightKey, InFlightEntry?> changes, CancellationToken cancellationToken)
    {
        var prior = changes.Keys.ToDictionary(k => k, k => _entries.GetValueOrDefault(k));
        Apply(_entries, changes);
        try
        {
            await _store.UpdateAsync(doc => doc with { Entries = ApplyToDocument(doc.Entries, changes) }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Apply(_entries, prior);
            LogPersistFailed(_logger, string.Join(", ", changes.Keys), ex);
            throw;
        }
    }

    private static void Apply(Dictionary<InFlightKey, InFlightEntry> entries, Dictionary<InFlightKey, InFlightEntry?> changes)
    {
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                entries.Remove(key);
            }
            else
            {
                entries[key] = value;
            }
        }
    }

    private static List<InFlightEntry> ApplyToDocument(IReadOnlyList<InFlightEntry> current, Dictionary<InFlightKey, InFlightEntry?> changes)
    {
        var result = current.Where(e => !changes.ContainsKey(e.Key)).ToList();
        result.AddRange(changes.Values.OfType<InFlightEntry>());
        return result;
    }

    private List<ProcessIdentity> Identify(string name, IEnumerable<int> processIds)
    {
        // Protected pids are filtered here, before anything can reach the registry.
        var protectedPids = ProtectedProcesses.Resolve(_processes, _options.ProtectedProcessIds);
        var result = new List<ProcessIdentity>();
        foreach (var pid in processIds.Distinct())
        {
            if (pid <= 1 || protectedPids.Contains(pid))
            {
                LogProtectedDropped(_logger, pid, name);
                continue;
            }

            if (_processes.GetIdentity(pid) is { } identity)
            {
                result.Add(identity);
            }
            else
            {
                LogNotRunningDropped(_logger, pid, name);
            }
        }

        return result;
    }

    private static List<ProcessIdentity> Merge(IReadOnlyList<ProcessIdentity>? existing, IReadOnlyList<ProcessIdentity> added)
    {
        var result = new List<ProcessIdentity>(existing ?? []);
        foreach (var identity in added)
        {
            if (!result.Contains(identity))
            {
                result.Add(identity);
            }
        }

        return result;
    }

    private static void ValidateText(string? value, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, paramName);
        if (value.Length > MaxNameLength || value.Any(char.IsControl))
        {
            throw new ArgumentException($"'{value}' must be at most {MaxNameLength} characters without control characters.", paramName);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Not recording pid {Pid} for {Name}: it is protected")]
    private static partial void LogProtectedDropped(ILogger logger, int pid, string name);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Not recording pid {Pid} for {Name}: it is not running")]
    private static partial void LogNotRunningDropped(ILogger logger, int pid, string name);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Handed {Count} process(es) of {Name} to the orphan reaper after a failed dispatch")]
    private static partial void LogHandedOff(ILogger logger, string name, int count);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Persisting in-flight entries {Keys} failed; rolled them back to their prior values")]
    private static partial void LogPersistFailed(ILogger logger, string keys, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "In-flight heartbeat failed; retrying on the next tick")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception);
}
