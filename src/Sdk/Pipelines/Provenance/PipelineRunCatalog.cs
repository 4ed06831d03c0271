using System.Runtime.CompilerServices;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// Enumerates the pipeline runs a store holds without walking their objects: one delimited listing of
/// <see cref="RunPaths.RootPrefix"/> yields one entry per run id, and only each run's record
/// (<see cref="PipelinePaths.PipelineRecord"/>) is read — a few at a time, in listing order. Run ids without a record
/// (e.g. the backend runs that executed single stages) are passed over.
/// </summary>
public sealed class PipelineRunCatalog
{
    private readonly IObjectStorage _storage;
    private readonly PipelineRunStore _records;
    private readonly int _concurrentReads;

    /// <param name="storage">The store the runs live in.</param>
    /// <param name="concurrentReads">How many run records are read at once (at least 1).</param>
    public PipelineRunCatalog(IObjectStorage storage, int concurrentReads = 16)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrentReads, 1);
        _storage = storage;
        _records = new PipelineRunStore(storage);
        _concurrentReads = concurrentReads;
    }

    /// <summary>The records of the runs matching <paramref name="query"/>, in run-id order.</summary>
    public async IAsyncEnumerable<PipelineRunRecord> ListAsync(PipelineRunQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        query ??= new PipelineRunQuery();
        var batch = new List<string>(_concurrentReads);
        await foreach (var runId in ListRunIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            batch.Add(runId);
            if (batch.Count == _concurrentReads)
            {
                foreach (var record in await ReadBatchAsync(batch, query, cancellationToken).ConfigureAwait(false))
                {
                    yield return record;
                }

                batch.Clear();
            }
        }

        foreach (var record in await ReadBatchAsync(batch, query, cancellationToken).ConfigureAwait(false))
        {
            yield return record;
        }
    }

    /// <summary>The record of one run, or <see langword="null"/> when the run id has no pipeline record.</summary>
    /// <exception cref="ArgumentException"><paramref name="runId"/> is not a valid run id.</exception>
    public async Task<PipelineRunRecord?> TryGetAsync(string runId, CancellationToken cancellationToken = default)
    {
        RunId.Validate(runId);
        var stored = await _records.TryReadAsync(runId, cancellationToken).ConfigureAwait(false);
        return stored?.Record;
    }

    /// <summary>Every run id under <see cref="RunPaths.RootPrefix"/> (pipeline runs and backend runs), from one delimited listing.</summary>
    public async IAsyncEnumerable<string> ListRunIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var options = new ListObjectsOptions { Delimiter = "/" };
        await foreach (var entry in _storage.ListAsync(RunPaths.RootPrefix, options, cancellationToken).ConfigureAwait(false))
        {
            if (entry.Prefix is { } prefix)
            {
                var runId = prefix[RunPaths.RootPrefix.Length..^1];
                if (RunId.IsValid(runId))
                {
                    yield return runId;
                }
            }
        }
    }

    private async Task<IEnumerable<PipelineRunRecord>> ReadBatchAsync(List<string> runIds, PipelineRunQuery query, CancellationToken cancellationToken)
    {
        var reads = await Task.WhenAll(runIds.Select(id => _records.TryReadAsync(id, cancellationToken))).ConfigureAwait(false);
        return reads.Where(r => r is not null).Select(r => r!.Record).Where(r => Matches(r, query)).ToList();
    }

    private static bool Matches(PipelineRunRecord record, PipelineRunQuery query) =>
        (query.Pipeline is null || string.Equals(record.Pipeline, query.Pipeline, StringComparison.Ordinal))
        && (query.Status is null || record.Status == query.Status)
        && (query.Since is null || record.StartedAt >= query.Since);
}
