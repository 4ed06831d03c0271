using System.Text.Json.Serialization;

namespace Stagecraft.Pipelines;

/// <summary>Source-generated JSON for <see cref="PipelineCancelRequest"/>.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PipelineCancelRequest))]
internal sealed partial class PipelineCancelJsonContext : JsonSerializerContext;
