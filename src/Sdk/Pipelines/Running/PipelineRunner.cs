using System.Text.Json;
using Microsoft.Extensions.Logging;
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
        HostName = options.HostName;
        Logger = LoggerFactory.CreateLogger<PipelineRunner>();
        Values = new StageValueStore(Storage, JsonOptions);
        Cache = new StageCache(Storage, Logger);
        Records = new PipelineRunStore(Storage);
        if (options.Backend is { } backend)
        {
            Backend = new BackendStageExecutor(Storage, backend, options.WorkerCommand ?? PipelineWorkerCommand.CurrentProcess(), TimeProvider);
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

    internal string HostName { get; }

    internal ILogger Logger { get; }

    internal StageValueStore Values { get; }

    internal StageCache Cache { get; }

    internal PipelineRunStore Records { get; }

    /// <summary>Runs stages on a backend; null runs them in process.</summary>
    internal BackendStageExecutor? Backend { get; }

    /// <summary>The name recorded as where stages ran.</summary>
    internal string BackendName => Backend?.Name ?? InProcessBackend;

    /// <inheritdoc/>
    public Task<PipelineRunResult> RunAsync(PipelineGraph graph, IReadOnlyDictionary<string, object?> inputs, CancellationToken cancellationToken = default) =>
        RunAsync(graph, inputs, new PipelineRunOptions(), cancellationToken);

    /// <summary>Runs <paramref name="graph"/> with a chosen run id and/or a per-run progress sink.</summary>
    /// <exception cref="ArgumentException">An input is missing, unknown or of the wrong type, or the run id is invalid.</exception>
    /// <exception cref="PipelineRunConflictException">The run id is already used.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the run record says <see cref="PipelineRunStatus.Cancelled"/>).</exception>
    public Task<PipelineRunResult> RunAsync(PipelineGraph graph, IReadOnlyDictionary<string, object?> inputs, PipelineRunOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
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
    /// <exception cref="PipelineRunConflictException">Another process changed the run while it was being resumed.</exception>
    public async Task<PipelineRunResult> ResumeAsync(PipelineGraph graph, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        RunId.Validate(runId);
        var prior = await Records.TryReadAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new PipelineRunNotFoundException(runId);
        if (prior.Record.Pipeline != graph.Name)
        {
            throw new ArgumentException($"Run '{runId}' is a run of pipeline '{prior.Record.Pipeline}', not of '{graph.Name}'.", nameof(graph));
        }

        return await PipelineRunCancellation.RunWatchedAsync(Storage, runId, prior.Record.Attempt + 1,
            ct => new PipelineExecution(this, graph, runId, prior, runProgress: null).RunAsync(inputs: null, ct), cancellationToken).ConfigureAwait(false);
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

    /// <summary>Forgets every cached output of one stage, so its next run recomputes it (and, through changed inputs, whatever depends on it). Returns how many entries were removed.</summary>
    public Task<int> InvalidateCacheAsync(string pipeline, string stage, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pipeline);
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        return Cache.InvalidateAsync(pipeline, stage, cancellationToken);
    }

    /// <inheritdoc cref="InvalidateCacheAsync(string, string, CancellationToken)"/>
    /// <exception cref="KeyNotFoundException"><paramref name="graph"/> has no such stage.</exception>
    public Task<int> InvalidateCacheAsync(PipelineGraph graph, string stage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return InvalidateCacheAsync(graph.Name, graph[stage].Name, cancellationToken);
    }
}
