using System.Text.Json.Serialization;

namespace Stagecraft.References;

/// <summary>Source-generated (reflection-free, trimming-safe) JSON for the upload-back sidecars and the merge report.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true,
    WriteIndented = true,
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(SortedDictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(UploadCompleteDocument))]
[JsonSerializable(typeof(MergeReport))]
internal sealed partial class ReferencesJsonContext : JsonSerializerContext;
