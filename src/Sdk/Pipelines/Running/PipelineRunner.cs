using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stagecraft.InFlight;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// Runs <see cref="PipelineGraph"/>s: independent stages run concurrently (bounded by
/// <see cref="PipelineRunnerOptions.MaxParallelism"/>), each stage's output is stored and cached by the fingerprint of
/// its code hash, version, inputs and parameters, failures skip only what depends on them, failed runs can be
/// resumed, and every run leaves a provenance record in storage.
/// </summary>
/// <remarks>A runner holds no per-run state; one instance may run several pipelines at once.</remarks>
public sealed class PipelineRunner : IPipelineRunner
{
    /// <summary>Pipeline-input values whose JSON is at most this many bytes are copied into the run record, so it reads without fetching them.</summary>
    public const int MaxRecordedValueBytes = 1024;

    /// <summary>The <see cref="PipelineRunRecord.Backend"/> name of stages run inside the runner's process.</summary>
    public const string InProcessBackend = "in-process";

    private readonly SemaphoreSlim _reapAtStart = new(1, 1);
    private bool _reapedAtStart;

    public PipelineRunner(PipelineRunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Storage = options.Storage ?? throw new ArgumentException(
            "PipelineRunnerOptions.Storage is required: the core SDK has no storage of its own. Use LocalPipelineRunner.Create() from Stagecraft.Sdk.Local for a local ./.stagecraft directory, or pass any IObjectStorage.",
            nameof(options));
        if (options.MaxParallelism < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxParallelism, "PipelineRunnerOptions.MaxParallelism must be at least 1.");
        }

        if (options.RecordFlushInterval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RecordFlushInterval, "PipelineRunnerOptions.RecordFlushInterval must not be negative.");
        }

        if (options.OwnerHeartbeatInterval <= TimeSpan.Zero || options.OwnerLeaseTimeout <= options.OwnerHeartbeatInterval)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.OwnerLeaseTimeout,
                $"PipelineRunnerOptions.OwnerHeartbeatInterval ({options.OwnerHeartbeatInterval}) must be positive and OwnerLeaseTimeout ({options.OwnerLeaseTimeout}) longer than it, or a live owner would look gone between heartbeats.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(options.WorkDirectory, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.HostName, nameof(options));
        MaxParallelism = options.MaxParallelism;
        CacheEnabled = options.CacheEnabled;
        FailFast = options.FailFast;
        WorkDirectory = Path.GetFullPath(options.WorkDirectory);
        JsonOptions = options.JsonSerializerOptions ?? throw new ArgumentException("PipelineRunnerOptions.JsonSerializerOptions must not be null.", nameof(options));
        LoggerFactory = options.LoggerFactory ?? throw new ArgumentException("PipelineRunnerOptions.LoggerFactory must not be null.", nameof(options));
        TimeProvider = options.TimeProvider ?? throw new ArgumentException("PipelineRunnerOptions.TimeProvider must not be null.", nameof(options));
        Progress = options.Progress;
        RecordFlushInterval = options.RecordFlushInterval;
        OwnerHeartbeatInterval = options.OwnerHeartbeatInterval;
        OwnerLeaseTimeout = options.OwnerLeaseTimeout;
        HandleTerminationSignals = options.HandleTerminationSignals;
        HostName = options.HostName;
        Logger = LoggerFactory.CreateLogger<PipelineRunner>();
        Values = new StageValueStore(Storage, JsonOptions);
        Json = new StageJsonRoundTrip(JsonOptions);
        Executor = new StageExecutor(Values, Json, LoggerFactory);
        Cache = new StageCache(Storage, Logger);
        Records = new PipelineRunStore(Storage);
        ArgumentNullException.ThrowIfNull(options.Placement, "options.Placement");
        if ((options.InFlightRegistry is null) != (options.ProcessTable is null))
        {
            throw new ArgumentException("PipelineRunnerOptions.InFlightRegistry and ProcessTable go together: the registry records owners by their process identity, which the process table reads.", nameof(options));
        }

        if (options.InFlightRegistry is { } registry)
        {
            InFlightRegistry = registry;
            ProcessTable = options.ProcessTable;
        }

        if (options.Backend is not null || options.Placement.Count > 0)
        {
            // One executor per distinct backend; the worker command is resolved once, and only for a backend that needs it:
            // a backend shipping the code itself (IPipelineWorkerHost) starts workers its own way, never by this machine's paths.
            PipelineWorkerCommand? command = null;
            var tracker = InFlightRegistry is { } store ? new BackendRunTracker(store, ProcessTable!, HostName, TimeProvider, LoggerFactory) : null;
            var executors = new Dictionary<IRunBackend, BackendStageExecutor>(ReferenceEqualityComparer.Instance);
            BackendStageExecutor For(IRunBackend backend) =>
                executors.TryGetValue(backend, out var executor)
                    ? executor
                    : executors[backend] = new BackendStageExecutor(
                        Storage,
                        backend,
                        (backend as IPipelineWorkerHost)?.WorkerCommand ?? (command ??= options.WorkerCommand ?? PipelineWorkerCommand.CurrentProcess()),
                        tracker,
                        TimeProvider,
                        LoggerFactory);
            Backend = options.Backend is { } fallback ? For(fallback) : null;
            Placement = options.Placement.ToDictionary(p => p.Key, p => For(p.Value ?? throw new ArgumentException($"PipelineRunnerOptions.Placement['{p.Key}'] is null.", nameof(options))), StringComparer.Ordinal);
            RunBackends = [.. executors.Keys];
        }
    }

    internal IObjectStorage Storage { get; }

    internal int MaxParallelism { get; }

    internal bool CacheEnabled { get; }

    internal bool FailFast { get; }

    internal string WorkDirectory { get; }

    internal JsonSerializerOptions JsonOptions { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal TimeProvider TimeProvider { get; }

    internal IProgress<PipelineEvent>? Progress { get; }

    internal TimeSpan RecordFlushInterval { get; }

    internal TimeSpan OwnerHeartbeatInterval { get; }

    internal TimeSpan OwnerLeaseTimeout { get; }

    internal bool HandleTerminationSignals { get; }

    internal string HostName { get; }

    internal ILogger Logger { get; }

    internal StageValueStore Values { get; }

    /// <summary>Serialises stage outputs and pipeline inputs, checking that they round-trip.</summary>
    internal StageJsonRoundTrip Json { get; }

    /// <summary>Runs stage methods, in process and in backend workers alike.</summary>
    internal StageExecutor Executor { get; }

    internal StageCache Cache { get; }

    internal PipelineRunStore Records { get; }

    /// <summary>Runs stages on a backend; null runs them in process.</summary>
    internal BackendStageExecutor? Backend { get; }

    /// <summary>The name recorded as where stages ran by default.</summary>
    internal string BackendName => Backend?.Name ?? InProcessBackend;

    /// <summary>The registry of backend runs in flight (<see cref="PipelineRunnerOptions.InFlightRegistry"/>); null when not configured.</summary>
    internal IInFlightRegistryStore? InFlightRegistry { get; }

    internal IProcessTable? ProcessTable { get; }

    /// <summary>Every distinct backend stages may run on.</summary>
    internal IReadOnlyList<IRunBackend> RunBackends { get; } = [];

    /// <summary>Profile → backend executor (<see cref="PipelineRunnerOptions.Placement"/>).</summary>
    internal IReadOnlyDictionary<string, BackendStageExecutor> Placement { get; } = new Dictionary<string, BackendStageExecutor>();

    /// <summary>Where <paramref name="stage"/> runs: its profile's backend, else the default backend, else null (in process).</summary>
    internal BackendStageExecutor? PlaceStage(PipelineGraph graph, StageDescriptor stage) =>
        stage.Profile is not { } profile
            ? Backend
            : Placement.TryGetValue(profile, out var placed)
                ? placed
                : throw new StagePlacementException(graph.Name, stage.Name, profile, [.. Placement.Keys.Order(StringComparer.Ordinal)]);

    /// <summary>Places every stage, so an unknown profile fails the run before any stage, run or VM starts.</summary>
    private void CheckPlacement(PipelineGraph graph)
    {
        foreach (var stage in graph.Stages)
        {
            PlaceStage(graph, stage);
        }
    }

    /// <inheritdoc/>
    public Task<PipelineRunResult> RunAsync(PipelineGraph graph, IReadOnlyDictionary<string, object?> inputs, CancellationToken cancellationToken = default) =>
        RunAsync(graph, inputs, new PipelineRunOptions(), cancellationToken);

    /// <summary>Runs <paramref name="graph"/> with a chosen run id and/or a per-run progress sink.</summary>
    /// <exception cref="ArgumentException">An input is missing, unknown or of the wrong type, or the run id is invalid.</exception>
    /// <exception cref="PipelineRunConflictException">The run id is already used (nothing was written).</exception>
    /// <exception cref="PipelineValueRoundTripException">An input would not come back from storage as it is (nothing was written).</exception>
    /// <exception cref="PipelineRunCancelledException"><paramref name="cancellationToken"/> was cancelled, or a termination signal arrived (the run record says <see cref="PipelineRunStatus.Cancelled"/>; resume the run by its id).</exception>
    public Task<PipelineRunResult> RunAsync(PipelineGraph graph, IReadOnlyDictionary<string, object?> inputs, PipelineRunOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        CheckPlacement(graph);
        var runId = options.RunId is null ? PipelineRunIds.New(graph.Name, TimeProvider) : RunId.Validate(options.RunId, nameof(options));
        return PipelineRunCancellation.RunWatchedAsync(Storage, runId, 1,
            ct => new PipelineExecution(this, graph, runId, prior: null, options.Progress).RunAsync(inputs, ct), cancellationToken);
    }

    /// <summary>
    /// Continues run <paramref name="runId"/> under the same id: stages that completed in it (and whose fingerprint
    /// is unchanged) are reused from its stored outputs; failed, cancelled and skipped stages and everything
    /// downstream of them run again, with the pipeline inputs stored by the original run.
    /// </summary>
    /// <exception cref="PipelineRunNotFoundException">No run has that id.</exception>
    /// <exception cref="ArgumentException">The run belongs to another pipeline.</exception>
    /// <exception cref="PipelineRunOwnedException">Another process is executing the run (its owner's heartbeat is fresh).</exception>
    /// <exception cref="PipelineRunConflictException">Another process changed the run while it was being resumed.</exception>
    /// <exception cref="PipelineRunCancelledException"><paramref name="cancellationToken"/> was cancelled, or a termination signal arrived.</exception>
    public async Task<PipelineRunResult> ResumeAsync(PipelineGraph graph, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        RunId.Validate(runId);
        CheckPlacement(graph);
        var prior = await Records.TryReadAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new PipelineRunNotFoundException(runId);
        if (prior.Record.Pipeline != graph.Name)
        {
            throw new ArgumentException($"Run '{runId}' is a run of pipeline '{prior.Record.Pipeline}', not of '{graph.Name}'.", nameof(graph));
        }

        if (prior.Record is { Status: PipelineRunStatus.Running, Owner: { } owner } && RunOwnership.IsAlive(owner, HostName, TimeProvider.GetUtcNow(), OwnerLeaseTimeout))
        {
            throw new PipelineRunOwnedException(runId, owner, OwnerLeaseTimeout);
        }

        return await PipelineRunCancellation.RunWatchedAsync(Storage, runId, prior.Record.Attempt + 1,
            ct => new PipelineExecution(this, graph, runId, prior, runProgress: null).RunAsync(inputs: null, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the backend runs that coordinators which are gone left in the in-flight registry
    /// (<see cref="PipelineRunnerOptions.InFlightRegistry"/>): entries whose owner process no longer runs on this host,
    /// and launches handed off after they failed. Runs of a live owner — another process running a pipeline right now,
    /// or this one — are never touched. <c>RunAsync</c> and <c>ResumeAsync</c> do this once per runner before their
    /// first stage; call it to reap without running anything.
    /// </summary>
    /// <returns>What was stopped and what was left alone, and why.</returns>
    /// <exception cref="InvalidOperationException">No in-flight registry is configured.</exception>
    public Task<ReapReport> ReapOrphanedBackendRunsAsync(CancellationToken cancellationToken = default)
    {
        var registry = InFlightRegistry ?? throw new InvalidOperationException("This runner has no in-flight registry to reap: set PipelineRunnerOptions.InFlightRegistry and ProcessTable (LocalPipelineRunner.Create() sets them).");
        var reaper = new OrphanReaper(
            registry,
            ProcessTable!,
            new OrphanReaperOptions { Backends = RunBackends, HostName = HostName, TimeProvider = TimeProvider, LoggerFactory = LoggerFactory });
        return reaper.ReapAsync(cancellationToken);
    }

    /// <summary>Reaps once per runner, before its first run launches anything; a failure is logged, never fatal.</summary>
    internal async Task ReapAtStartAsync(CancellationToken cancellationToken)
    {
        if (InFlightRegistry is null || RunBackends.Count == 0)
        {
            return;
        }

        await _reapAtStart.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_reapedAtStart)
            {
                return;
            }

            var report = await ReapOrphanedBackendRunsAsync(cancellationToken).ConfigureAwait(false);
            _reapedAtStart = true;
            if (report.TerminatedRuns.Count > 0)
            {
                PipelineLog.ReapedAtStart(Logger, report.TerminatedRuns.Count, string.Join(", ", report.TerminatedRuns.Select(r => r.RunId)));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // An unreadable registry must not stop the user's pipeline; the next runner start tries again.
            PipelineLog.ReapAtStartFailed(Logger, ex);
        }
        finally
        {
            _reapAtStart.Release();
        }
    }

    /// <summary>
    /// The worker entry point for backend execution. Call it first in the experiment's <c>Main</c> with a runner
    /// configured like the coordinator's (same storage): when <paramref name="args"/> contain
    /// <see cref="PipelineWorkerCommand.WorkerArgument"/>, it runs the one stage its backend run was launched for
    /// (found through the <c>STAGECRAFT_RUN_ID</c> environment variable) and returns the exit code; otherwise it
    /// returns null and the program continues normally.
    /// </summary>
    /// <example><c>if (await runner.RunWorkerIfRequestedAsync(args, [Admissions.Graph]) is { } exitCode) return exitCode;</c></example>
    public async Task<int?> RunWorkerIfRequestedAsync(IReadOnlyList<string> args, IEnumerable<PipelineGraph> graphs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(graphs);
        if (!args.Contains(PipelineWorkerCommand.WorkerArgument))
        {
            return null;
        }

        var backendRunId = Environment.GetEnvironmentVariable(RunEnvironmentVariables.RunId)
            ?? throw new InvalidOperationException($"Started with {PipelineWorkerCommand.WorkerArgument} but {RunEnvironmentVariables.RunId} is not set: worker mode is for processes launched by a run backend.");
        // A backend that keeps warm workers says so through the environment: then this process stays for later stages.
        if (WarmWorkerSettings.FromEnvironment() is { } warm)
        {
            return await new WarmPipelineWorker(this, warm).RunAsync(RunId.Validate(backendRunId), [.. graphs], cancellationToken).ConfigureAwait(false);
        }

        return await new PipelineWorker(this).RunAsync(RunId.Validate(backendRunId), [.. graphs], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the provenance record of a run.</summary>
    /// <exception cref="PipelineRunNotFoundException">No run has that id.</exception>
    public async Task<PipelineRunRecord> GetRunRecordAsync(string runId, CancellationToken cancellationToken = default)
    {
        RunId.Validate(runId);
        var stored = await Records.TryReadAsync(runId, cancellationToken).ConfigureAwait(false);
        return stored?.Record ?? throw new PipelineRunNotFoundException(runId);
    }

    /// <summary>
    /// Removes pipeline runs older than <see cref="PruneOptions.OlderThan"/> or beyond the newest
    /// <see cref="PruneOptions.KeepLatest"/> of their pipeline (never a run whose owner is alive; see <see cref="PruneOptions"/>
    /// for abandoned runs), optionally the cache entries they
    /// wrote that no kept run used, and then every content object that no remaining run record or cache entry references
    /// and that is older than <see cref="PruneOptions.ContentGracePeriod"/>.
    /// </summary>
    /// <remarks>
    /// Safe to kill at any point: deletions go record → run objects, cache entries → content, so every reference that
    /// remains resolves, and the next prune finishes a half-removed run. Safe to run while pipelines run: content
    /// younger than the grace period is kept, and a run that overlapped a prune checks its references afterwards and
    /// stores again what was removed. One prune at a time per store (<see cref="PipelinePaths.PruneLock"/>).
    /// <see cref="PruneOptions.DryRun"/> reports what would be removed and changes nothing.
    /// </remarks>
    /// <exception cref="ArgumentException">No rule is given, or a value is out of range.</exception>
    /// <exception cref="PruneInProgressException">Another prune is working on this store.</exception>
    public Task<PruneResult> PruneAsync(PruneOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.OlderThan is null && options.KeepLatest is null)
        {
            throw new ArgumentException("PruneOptions needs OlderThan, KeepLatest or both: without a rule no run would be chosen.", nameof(options));
        }

        if (options.KeepLatest is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.KeepLatest, "PruneOptions.KeepLatest must not be negative.");
        }

        if (options.ContentGracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ContentGracePeriod, "PruneOptions.ContentGracePeriod must not be negative.");
        }

        if (options.StaleLockAfter <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.StaleLockAfter, "PruneOptions.StaleLockAfter must be positive.");
        }

        if (options.Pipeline is not null)
        {
            ObjectKey.ValidateSegment(options.Pipeline, nameof(options));
        }

        return new StorePruner(this, options).RunAsync(cancellationToken);
    }

    /// <summary>
    /// Forgets every cached output of one stage, so its next run recomputes it (and, through changed inputs, whatever
    /// depends on it). Returns how many entries were removed. Without the graph, a stage is known by its cache
    /// entries: naming a pipeline or stage that has none is an error listing those that have.
    /// </summary>
    /// <exception cref="PipelineStageNotFoundException">Storage holds no cache entry of that pipeline or stage.</exception>
    public async Task<int> InvalidateCacheAsync(string pipeline, string stage, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pipeline);
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        var removed = await Cache.InvalidateAsync(pipeline, stage, cancellationToken).ConfigureAwait(false);
        if (removed > 0)
        {
            return removed;
        }

        var pipelines = await Cache.ListNamesAsync(PipelinePaths.RootPrefix, cancellationToken).ConfigureAwait(false);
        if (!pipelines.Contains(pipeline, StringComparer.Ordinal))
        {
            throw new PipelineStageNotFoundException(pipeline, null, pipelines, "with cache entries in storage");
        }

        var stages = await Cache.ListNamesAsync(PipelinePaths.CachePrefix(pipeline), cancellationToken).ConfigureAwait(false);
        throw new PipelineStageNotFoundException(pipeline, stage, stages, "with cache entries in storage");
    }

    /// <summary>Forgets every cached output of a stage of <paramref name="graph"/>; returns how many entries were removed (0 when it has none).</summary>
    /// <exception cref="PipelineStageNotFoundException"><paramref name="graph"/> has no such stage.</exception>
    public Task<int> InvalidateCacheAsync(PipelineGraph graph, string stage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        if (!graph.TryGetStage(stage, out _))
        {
            throw new PipelineStageNotFoundException(graph.Name, stage, [.. graph.Stages.Select(s => s.Name)], null);
        }

        return Cache.InvalidateAsync(graph.Name, stage, cancellationToken);
    }
}
