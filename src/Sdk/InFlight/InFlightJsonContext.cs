using System.Text.Json.Serialization;

namespace Stagecraft.InFlight;

/// <summary>Source-generated JSON for the registry document.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    UseStringEnumConverter = true,
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InFlightRegistryDocument))]
internal sealed partial class InFlightJsonContext : JsonSerializerContext;
