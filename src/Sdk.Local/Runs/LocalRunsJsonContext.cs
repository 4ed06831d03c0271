using System.Text.Json.Serialization;
using Stagecraft.InFlight;

namespace Stagecraft.Local.Runs;

/// <summary>Source-generated JSON for the local backend's records.</summary>
[JsonSourceGenerationOptions(
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(LocalRunRecord))]
[JsonSerializable(typeof(ProcessIdentity))]
internal sealed partial class LocalRunsJsonContext : JsonSerializerContext;
