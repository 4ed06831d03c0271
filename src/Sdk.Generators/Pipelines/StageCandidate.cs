using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Stagecraft.Generators.Diagnostics;
using Stagecraft.Generators.Pipelines.Model;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// A <c>[Stage]</c> method while <see cref="PipelineParser"/> works on it. Holds symbols, so it never leaves the
/// transform: only <see cref="StageModel"/> and <see cref="DiagnosticInfo"/> do. Locations are computed only when
/// a diagnostic needs one (most runs report nothing).
/// </summary>
internal sealed class StageCandidate
{
    public StageCandidate(IMethodSymbol method, int index, string name, AttributeData attribute, bool hasExplicitName, string? version)
    {
        Method = method;
        Index = index;
        Name = name;
        Attribute = attribute;
        HasExplicitName = hasExplicitName;
        Version = version;
    }

    public IMethodSymbol Method { get; }

    /// <summary>Position among the pipeline's stages in declaration order.</summary>
    public int Index { get; }

    public string Name { get; }

    /// <summary>The <c>[Stage]</c> application (for the location of an explicit name).</summary>
    public AttributeData Attribute { get; }

    public bool HasExplicitName { get; }

    public string? Version { get; }

    public LocationInfo? MethodLocation => LocationInfo.From(Method.Locations.Length > 0 ? Method.Locations[0] : null);

    /// <summary>The awaited return type; null when the signature has no usable output (already reported).</summary>
    public ITypeSymbol? OutputType { get; set; }

    public StageReturnKind ReturnKind { get; set; }

    public string CodeHash { get; set; } = "";

    /// <summary>The validated <c>Profile</c>, <c>Timeout</c> and <c>Retries</c> of the attribute.</summary>
    public StagePlacementModel Placement { get; set; } = StagePlacementModel.Default;

    /// <summary>False once an SC1007 was reported for the method; such a stage is still named (for [From]) but never emitted.</summary>
    public bool SignatureIsValid { get; set; } = true;

    /// <summary>True when a type in the signature does not resolve: the compiler reports it, the generator stays quiet.</summary>
    public bool HasErrorTypes { get; set; }

    public List<ParameterCandidate> Parameters { get; } = new();

    /// <summary>Indices of the stages this one reads from (resolved bindings only).</summary>
    public List<int> Upstream { get; } = new();
}

/// <summary>One parameter of a <see cref="StageCandidate"/> and, once bound, its binding.</summary>
internal sealed class ParameterCandidate
{
    public ParameterCandidate(IParameterSymbol parameter, string? fromStage, AttributeData? fromAttribute, bool isInput)
    {
        Parameter = parameter;
        FromStage = fromStage;
        FromAttribute = fromAttribute;
        IsInput = isInput;
    }

    public IParameterSymbol Parameter { get; }

    /// <summary>The <c>[From]</c> argument, if any.</summary>
    public string? FromStage { get; }

    /// <summary>The <c>[From]</c> application (for the location of its argument).</summary>
    public AttributeData? FromAttribute { get; }

    /// <summary>Marked <c>[Input]</c>.</summary>
    public bool IsInput { get; }

    public LocationInfo? Location => LocationInfo.From(Parameter.Locations.Length > 0 ? Parameter.Locations[0] : null);

    public ParameterBindingKind? Kind { get; set; }

    /// <summary>The upstream stage name or input name once bound.</summary>
    public string? Source { get; set; }
}
