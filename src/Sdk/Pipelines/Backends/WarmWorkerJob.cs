using System.Text.Json;

namespace Stagecraft.Pipelines;

/// <summary>
/// The job a backend hands to a warm pipeline worker through the pool's job document: where the stage's run starts
/// and the run's own environment (run id, output prefix…), which the worker sets only while that run's stage runs.
/// </summary>
public sealed record WarmWorkerJob
{
    /// <summary>The absolute directory the run starts in (created if missing).</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>The run's variables, as a cold launch would set them on top of the backend's environment.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>The run's <see cref="Stagecraft.Runs.RunSpec.Timeout"/>: past it the worker stops the stage and the run ends timed out.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The job document's bytes.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, PipelineJsonContext.Default.WarmWorkerJob);

    /// <summary>Reads a job document.</summary>
    /// <exception cref="InvalidDataException">The document is not a job.</exception>
    public static WarmWorkerJob FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, PipelineJsonContext.Default.WarmWorkerJob)
                ?? throw new InvalidDataException("The warm worker job document is the JSON literal null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The warm worker job document is not a job: {ex.Message}", ex);
        }
    }
}
