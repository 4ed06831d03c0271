using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// Keeps a running pipeline's record current in storage: every change marks the record dirty and a background loop
/// writes the latest snapshot as soon as the previous write is done (changes that arrive meanwhile are coalesced
/// into one write, and writes are at least the minimum interval apart, so a 1,000-stage run does not rewrite its
/// record 1,000 times). With nothing to write, it still rewrites the record once per heartbeat interval: the
/// owner's heartbeat that tells other processes the run is alive. Every write is conditional on the generation this
/// writer last wrote, so a second process writing the same run is detected instead of silently interleaved.
/// </summary>
internal sealed class RunRecordWriter
{
    private readonly PipelineRunStore _store;
    private readonly Func<PipelineRunRecord> _snapshot;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _heartbeatInterval;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Action<Exception> _onConflict;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Channel<bool> _dirty = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private long _generation;
    private Exception? _conflict;
    private Task _loop = Task.CompletedTask;

    public RunRecordWriter(PipelineRunStore store, long generation, Func<PipelineRunRecord> snapshot, TimeSpan interval, TimeSpan heartbeatInterval, TimeProvider timeProvider, ILogger logger, Action<Exception> onConflict)
    {
        _store = store;
        _generation = generation;
        _snapshot = snapshot;
        _interval = interval;
        _heartbeatInterval = heartbeatInterval;
        _timeProvider = timeProvider;
        _logger = logger;
        _onConflict = onConflict;
    }

    public void Start() => _loop = LoopAsync();

    public void MarkDirty() => _dirty.Writer.TryWrite(true);

    /// <summary>Stops the background loop and writes <paramref name="final"/>.</summary>
    /// <exception cref="PipelineRunConflictException">Another process wrote this run's record meanwhile.</exception>
    public async Task CompleteAsync(PipelineRunRecord final, CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        if (_conflict is not null)
        {
            throw Conflict(final.RunId, _conflict);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _generation = await _store.WriteAsync(final, _generation, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException ex)
        {
            throw Conflict(final.RunId, ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task LoopAsync()
    {
        try
        {
            Task<bool>? dirty = null;
            while (true)
            {
                dirty ??= _dirty.Reader.WaitToReadAsync(_stop.Token).AsTask();
                using (var beat = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                {
                    var heartbeat = Task.Delay(_heartbeatInterval, _timeProvider, beat.Token);
                    var first = await Task.WhenAny(dirty, heartbeat).ConfigureAwait(false);
                    await beat.CancelAsync().ConfigureAwait(false);
                    if (first == dirty)
                    {
                        if (!await dirty.ConfigureAwait(false))
                        {
                            return;
                        }

                        dirty = null;
                        _dirty.Reader.TryRead(out _);
                    }
                    else
                    {
                        _stop.Token.ThrowIfCancellationRequested();
                    }
                }

                await WriteSnapshotAsync().ConfigureAwait(false);
                if (_conflict is not null)
                {
                    return;
                }

                if (_interval > TimeSpan.Zero)
                {
                    await Task.Delay(_interval, _timeProvider, _stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task WriteSnapshotAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var record = _snapshot();
            _generation = await _store.WriteAsync(record, _generation, CancellationToken.None).ConfigureAwait(false);
        }
        catch (PreconditionFailedException ex)
        {
            _conflict = ex;
            _onConflict(ex);
        }
#pragma warning disable CA1031 // A failed interim write is retried by the next one; only the final write must succeed.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            PipelineLog.RecordWriteFailed(_logger, ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static PipelineRunConflictException Conflict(string runId, Exception inner) =>
        new(runId, $"The record of pipeline run '{runId}' was changed by another process while this one was running it; this run stopped writing to it.", inner);
}
