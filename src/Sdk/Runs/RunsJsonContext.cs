using System.Text.Json.Serialization;

namespace Stagecraft.Runs;

/// <summary>Source-generated (reflection-free, trimming-safe) JSON for run types. Unknown or duplicate members are errors.</summary>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunHandleDocument))]
internal sealed partial class RunsJsonContext : JsonSerializerContext;
