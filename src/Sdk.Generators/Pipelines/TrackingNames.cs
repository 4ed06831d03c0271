namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// Names of the generator's incremental steps, so tests (and <c>trackIncrementalGeneratorSteps</c> users) can check
/// what each step did on a run: cached, unchanged, modified, new or removed.
/// </summary>
internal static class TrackingNames
{
    /// <summary>Each <c>[Pipeline]</c> class parsed and bound: a model (when valid) plus diagnostics.</summary>
    public const string PipelineResults = nameof(PipelineResults);

    /// <summary>The model half of <see cref="PipelineResults"/> (null for an invalid pipeline).</summary>
    public const string PipelineModels = nameof(PipelineModels);

    /// <summary><see cref="PipelineModels"/> without the nulls: what the emitter receives.</summary>
    public const string ValidPipelineModels = nameof(ValidPipelineModels);

    /// <summary>The diagnostics half of <see cref="PipelineResults"/>.</summary>
    public const string PipelineDiagnostics = nameof(PipelineDiagnostics);

    /// <summary>Non-empty diagnostic sets on their way to be reported.</summary>
    public const string DiagnosticsToReport = nameof(DiagnosticsToReport);

    /// <summary>
    /// A non-empty diagnostic set paired with the compilation, needed to turn stored locations back into
    /// source locations that <c>#pragma</c> can suppress. The only step holding a Roslyn object, and it only has
    /// values while there is something to report.
    /// </summary>
    public const string DiagnosticsWithCompilation = nameof(DiagnosticsWithCompilation);
}
