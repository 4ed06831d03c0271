using System.Text.Json;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>Reads and writes pipeline run records (<see cref="RunPaths.PipelineRecord"/>) with generation preconditions.</summary>
internal sealed class PipelineRunStore(IObjectStorage storage)
{
    public async Task<StoredRunRecord?> TryReadAsync(string runId, CancellationToken cancellationToken)
    {
        var key = new RunPaths(runId).PipelineRecord;
        ObjectReadResult read;
        try
        {
            read = await storage.GetAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }

        await using (read.ConfigureAwait(false))
        {
            var record = await JsonSerializer.DeserializeAsync(read.Content, PipelineJsonContext.Default.PipelineRunRecord, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException($"Pipeline run record '{key}' is the JSON literal null.");
            return new StoredRunRecord(record, read.Info.Generation);
        }
    }

    /// <summary>Writes the record if storage still holds <paramref name="expectedGeneration"/> (0: must not exist); returns the new generation.</summary>
    /// <exception cref="PreconditionFailedException">Another writer got there first.</exception>
    public async Task<long> WriteAsync(PipelineRunRecord record, long expectedGeneration, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(record, PipelineJsonContext.Default.PipelineRunRecord);
        using var content = new MemoryStream(bytes, writable: false);
        var info = await storage.PutAsync(
            new RunPaths(record.RunId).PipelineRecord,
            content,
            new PutObjectOptions { IfGenerationMatch = expectedGeneration, ContentType = "application/json" },
            cancellationToken).ConfigureAwait(false);
        return info.Generation;
    }

    /// <summary>A record and the generation it was read at.</summary>
    public sealed record StoredRunRecord(PipelineRunRecord Record, long Generation);
}
