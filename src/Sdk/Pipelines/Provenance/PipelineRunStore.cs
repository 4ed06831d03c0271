using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.Storage.Json;

namespace Stagecraft.Pipelines;

/// <summary>Reads and writes pipeline run records (<see cref="PipelinePaths.PipelineRecord"/>) with generation preconditions.</summary>
internal sealed class PipelineRunStore(IObjectStorage storage)
{
    /// <exception cref="StoredDocumentException">The stored record is not readable.</exception>
    public async Task<StoredRunRecord?> TryReadAsync(string runId, CancellationToken cancellationToken)
    {
        var stored = await storage.TryReadJsonAsync(PipelinePaths.PipelineRecord(runId), PipelineJsonContext.Default.PipelineRunRecord, cancellationToken).ConfigureAwait(false);
        return stored is { } found ? new StoredRunRecord(found.Document, found.Info.Generation) : null;
    }

    /// <summary>Writes the record if storage still holds <paramref name="expectedGeneration"/> (0: must not exist); returns the new generation.</summary>
    /// <exception cref="PreconditionFailedException">Another writer got there first.</exception>
    public async Task<long> WriteAsync(PipelineRunRecord record, long expectedGeneration, CancellationToken cancellationToken)
    {
        var info = await storage.PutJsonAsync(
            PipelinePaths.PipelineRecord(record.RunId),
            record,
            PipelineJsonContext.Default.PipelineRunRecord,
            new PutObjectOptions { IfGenerationMatch = expectedGeneration },
            cancellationToken).ConfigureAwait(false);
        return info.Generation;
    }

    /// <summary>A record and the generation it was read at.</summary>
    public sealed record StoredRunRecord(PipelineRunRecord Record, long Generation);
}
