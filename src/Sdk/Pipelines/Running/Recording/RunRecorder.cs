using System.Collections.Immutable;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// The provenance record of one run while it executes: holds every stage's current record, claims the run's record
/// in storage when the run starts, keeps it current through a <see cref="RunRecordWriter"/> and writes the final one.
/// </summary>
internal sealed class RunRecorder
{
    private readonly PipelineRunner _runner;
    private readonly PipelineGraph _graph;
    private readonly string _runId;
    private readonly int _attempt;
    private readonly DateTimeOffset _startedAt;
    private readonly RunInputs _inputs;
    private readonly StageRunRecord[] _stages;
    private readonly Lock _lock = new();
    private readonly string _ownerId;
    private RunRecordWriter? _writer;

    /// <remarks><paramref name="startedAt"/> is when the run first started (the original start, for a resumed run).</remarks>
    public RunRecorder(PipelineRunner runner, PipelineGraph graph, string runId, int attempt, DateTimeOffset startedAt, RunInputs inputs)
    {
        _runner = runner;
        _graph = graph;
        _runId = runId;
        _attempt = attempt;
        _startedAt = startedAt;
        _inputs = inputs;
        _stages = [.. graph.Stages.Select(PendingRecord)];
        _ownerId = RunOwnership.NewOwnerId(runner.HostName);
    }

    /// <summary>This execution's owner id, written into the record while the run is running.</summary>
    public string OwnerId => _ownerId;

    /// <summary>Schedules a write of the record (after a change outside the stage records, such as stored inputs).</summary>
    public void MarkDirty() => _writer?.MarkDirty();

    /// <summary>The record of a stage that has not started in this attempt.</summary>
    public StageRunRecord PendingRecord(StageDescriptor stage) => new()
    {
        Stage = stage.Name,
        Status = StageStatus.Pending,
        CodeHash = stage.CodeHash,
        Version = stage.Version,
        Attempt = _attempt,
    };

    /// <summary>Replaces the record of stage <paramref name="index"/> (topological index) and schedules a write.</summary>
    public void SetStage(int index, StageRunRecord record)
    {
        lock (_lock)
        {
            _stages[index] = record;
        }

        _writer?.MarkDirty();
    }

    /// <summary>
    /// Writes the run's first record of this attempt, conditional on <paramref name="expectedGeneration"/> (0: the run
    /// id must be new), then keeps it current in the background until <see cref="CompleteAsync"/>.
    /// </summary>
    /// <remarks><paramref name="onConflict"/> is called when another process changes the record meanwhile.</remarks>
    /// <exception cref="PipelineRunConflictException">The run id is taken, or the record changed since it was read.</exception>
    public async Task StartAsync(long expectedGeneration, Action<Exception> onConflict, CancellationToken cancellationToken)
    {
        long generation;
        try
        {
            generation = await _runner.Records.WriteAsync(Snapshot(PipelineRunStatus.Running, null, null), expectedGeneration, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException ex)
        {
            throw new PipelineRunConflictException(
                _runId,
                expectedGeneration == 0
                    ? $"Run id '{_runId}' is already used by another pipeline run; choose another id, or resume that run."
                    : $"Run '{_runId}' was changed by another process since it was read for resuming (is it being resumed twice?).",
                ex);
        }

        _writer = new RunRecordWriter(
            _runner.Records,
            generation,
            () => Snapshot(PipelineRunStatus.Running, null, null),
            _runner.RecordFlushInterval,
            _runner.OwnerHeartbeatInterval,
            _runner.TimeProvider,
            _runner.Logger,
            onConflict);
        _writer.Start();
    }

    /// <summary>Stops the background writes and writes the final record (even when the run was cancelled: it says so).</summary>
    /// <exception cref="PipelineRunConflictException">Another process wrote this run's record meanwhile.</exception>
    public Task CompleteAsync(PipelineRunStatus status, string? reason, DateTimeOffset finishedAt) =>
        (_writer ?? throw new InvalidOperationException("The run record was never started.")).CompleteAsync(Snapshot(status, reason, finishedAt), CancellationToken.None);

    private PipelineRunRecord Snapshot(PipelineRunStatus status, string? reason, DateTimeOffset? finishedAt)
    {
        ImmutableArray<StageRunRecord> stages;
        lock (_lock)
        {
            stages = [.. _stages];
        }

        return new PipelineRunRecord
        {
            RunId = _runId,
            Pipeline = _graph.Name,
            Status = status,
            Reason = reason,
            Attempt = _attempt,
            StartedAt = _startedAt,
            FinishedAt = finishedAt,
            Host = _runner.HostName,
            Backend = _runner.BackendName,
            Owner = status == PipelineRunStatus.Running
                ? new PipelineRunOwner { Id = _ownerId, Host = _runner.HostName, ProcessId = Environment.ProcessId, Heartbeat = _runner.TimeProvider.GetUtcNow() }
                : null,
            CacheEnabled = _runner.CacheEnabled,
            FailFast = _runner.FailFast,
            MaxParallelism = _runner.MaxParallelism,
            Inputs = _inputs.Records,
            Stages = stages,
        };
    }
}
