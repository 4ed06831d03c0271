using System.Text.Json.Serialization;

namespace Stagecraft.WarmPool;

/// <summary>Source-generated JSON for the pool's documents. Unknown members are errors; nulls are written (the VM script writes them too).</summary>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(WarmInstanceDocument))]
[JsonSerializable(typeof(WarmPoolIndexDocument))]
internal sealed partial class WarmPoolJsonContext : JsonSerializerContext;
