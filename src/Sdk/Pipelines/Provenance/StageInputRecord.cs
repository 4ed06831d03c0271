using System.Text.Json;

namespace Stagecraft.Pipelines;

/// <summary>One stage parameter that fed the cache fingerprint: an upstream output or a pipeline input (parameter).</summary>
public sealed record StageInputRecord
{
    /// <summary>The C# parameter name.</summary>
    public required string Parameter { get; init; }

    /// <summary><see cref="StageParameterKind.Upstream"/> or <see cref="StageParameterKind.PipelineInput"/>.</summary>
    public required StageParameterKind Kind { get; init; }

    /// <summary>The upstream stage or pipeline input name.</summary>
    public required string Source { get; init; }

    /// <summary>The content fingerprint of the value.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>For small JSON pipeline inputs, the value itself (so a record shows e.g. the learning rate used).</summary>
    public JsonElement? Json { get; init; }
}
