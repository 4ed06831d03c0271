using System.Text.Json;

namespace Stagecraft.Pipelines;

/// <summary>A pipeline input of a run: its stored copy (used to resume) and, for small JSON values, the value itself.</summary>
public sealed record PipelineInputRecord
{
    public required string Name { get; init; }

    public required StoredValue Value { get; init; }

    /// <summary>The value as JSON when it is at most <see cref="PipelineRunner.MaxRecordedValueBytes"/> bytes (readable provenance); null otherwise.</summary>
    public JsonElement? Json { get; init; }
}
