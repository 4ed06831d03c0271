using System.Text.Json.Serialization;

namespace Stagecraft.Registry.Documents;

/// <summary>Source-generated JSON for registry documents (no reflection, stable camelCase names).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(ModelDocument))]
[JsonSerializable(typeof(AliasMoveDocument))]
[JsonSerializable(typeof(DecisionDocument))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
