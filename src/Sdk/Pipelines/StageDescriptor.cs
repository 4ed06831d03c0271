using System.Collections.Immutable;

namespace Stagecraft.Pipelines;

/// <summary>One node of a <see cref="PipelineGraph"/>.</summary>
public sealed class StageDescriptor
{
    public StageDescriptor(string name, string? version, string codeHash, Type outputType, ImmutableArray<StageParameterDescriptor> parameters, StageInvoker invoker)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(codeHash);
        Name = name;
        Version = version;
        CodeHash = codeHash;
        OutputType = outputType ?? throw new ArgumentNullException(nameof(outputType));
        Parameters = parameters.IsDefault ? [] : parameters;
        Invoker = invoker ?? throw new ArgumentNullException(nameof(invoker));
    }

    public string Name { get; }

    /// <summary>The user's <see cref="StageAttribute.Version"/>, part of the cache fingerprint.</summary>
    public string? Version { get; }

    /// <summary>Hash of the stage method's tokens and of all the code of the project it reaches, plus the identities of the assemblies it uses, computed at compile time (whitespace and comments do not count).</summary>
    public string CodeHash { get; }

    /// <summary>The awaited return type (<c>T</c> for <c>T</c>, <c>Task&lt;T&gt;</c> or <c>ValueTask&lt;T&gt;</c>).</summary>
    public Type OutputType { get; }

    /// <summary>
    /// The declared output admits null (<c>T?</c>). When false, a stage returning null fails with
    /// <see cref="StageOutputNullException"/> instead of handing null to the stages that read it.
    /// </summary>
    public bool OutputNullable { get; init; }

    public ImmutableArray<StageParameterDescriptor> Parameters { get; }

    public StageInvoker Invoker { get; }

    /// <summary>The stage's <see cref="StageAttribute.Profile"/>: where the runner places it; null for the default placement.</summary>
    public string? Profile
    {
        get;
        init => field = value is null || !string.IsNullOrWhiteSpace(value) ? value : throw new ArgumentException("A stage profile cannot be blank.", nameof(value));
    }

    /// <summary>The stage's <see cref="StageAttribute.Timeout"/>; null when the stage sets none.</summary>
    public TimeSpan? Timeout
    {
        get;
        init => field = value is null || value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A stage timeout must be positive.");
    }

    /// <summary>The stage's <see cref="StageAttribute.Retries"/>; null when the stage sets none (the runner's default applies).</summary>
    public int? Retries
    {
        get;
        init => field = value is null || value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Stage retries cannot be negative.");
    }

    /// <summary>Names of the stages this one reads from, in parameter order, without duplicates.</summary>
    public IEnumerable<string> Upstream => Parameters.Where(p => p.Kind == StageParameterKind.Upstream).Select(p => p.Source!).Distinct(StringComparer.Ordinal);

    public override string ToString() => Name;
}
