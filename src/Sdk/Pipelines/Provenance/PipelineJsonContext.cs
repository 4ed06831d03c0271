using System.Text.Json.Serialization;

namespace Stagecraft.Pipelines;

/// <summary>Source-generated (reflection-free, trimming-safe) JSON for the runtime's own records.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PipelineRunRecord))]
[JsonSerializable(typeof(StageCacheEntry))]
[JsonSerializable(typeof(StageTaskResult))]
[JsonSerializable(typeof(WarmWorkerJob))]
[JsonSerializable(typeof(PruneLockDocument))]
[JsonSerializable(typeof(PruneMarkerDocument))]
internal sealed partial class PipelineJsonContext : JsonSerializerContext;
