using Stagecraft.Generators.Common;

namespace Stagecraft.Generators.Pipelines.Model;

/// <summary>One stage: a <c>[Stage]</c> method and how each of its parameters is bound.</summary>
/// <param name="Name">The stage name (a C# identifier, validated).</param>
/// <param name="MethodName">The method name, keyword-escaped.</param>
/// <param name="Version"><c>StageAttribute.Version</c>, or null.</param>
/// <param name="CodeHash">SHA-256 (lowercase hex) of the method's normalised tokens and the code it reaches; see <see cref="StageCodeDependencies"/>.</param>
/// <param name="OutputType">The awaited return type, fully qualified, nullable annotations included.</param>
/// <param name="OutputTypeOf">The same type as <c>typeof</c> accepts it (no nullable reference annotations).</param>
/// <param name="OutputNullable">The declared output admits null: <c>T?</c> of a reference or value type, or a reference type in a nullable-oblivious context.</param>
/// <param name="ReturnKind">Whether the method returns its output directly or through a task.</param>
/// <param name="OutputAccessibility">Accessibility of the generated output accessor (no wider than the output type); null when only <c>private</c> would fit, and no accessor is generated.</param>
/// <param name="Parameters">The method's parameters, in order.</param>
/// <param name="Placement"><c>StageAttribute.Profile</c>, <c>Timeout</c> and <c>Retries</c> as written (validated).</param>
internal sealed record StageModel(
    string Name,
    string MethodName,
    string? Version,
    string CodeHash,
    string OutputType,
    string OutputTypeOf,
    bool OutputNullable,
    StageReturnKind ReturnKind,
    string? OutputAccessibility,
    EquatableArray<StageParameterModel> Parameters,
    StagePlacementModel Placement);
