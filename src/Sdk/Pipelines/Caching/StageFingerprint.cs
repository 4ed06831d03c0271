using System.Collections.Immutable;

namespace Stagecraft.Pipelines;

/// <summary>
/// The cache key of a stage execution: SHA-256 over the pipeline and stage names, the stage's compile-time code
/// hash, its <see cref="StageAttribute.Version"/>, its output type, and every consumed input's content fingerprint
/// (upstream outputs and pipeline inputs alike). Context and cancellation parameters do not take part.
/// </summary>
internal static class StageFingerprint
{
    private const string Scheme = "stagecraft-stage-fingerprint/1";

    public static string Compute(string pipeline, StageDescriptor stage, ImmutableArray<StageInputRecord> inputs)
    {
        using var builder = new FingerprintBuilder();
        builder.Add("scheme", Scheme)
            .Add("pipeline", pipeline)
            .Add("stage", stage.Name)
            .Add("code", stage.CodeHash)
            .Add("version", stage.Version)
            .Add("output", stage.OutputType.FullName ?? stage.OutputType.Name);
        foreach (var input in inputs)
        {
            builder.Add("parameter", input.Parameter)
                .Add("kind", input.Kind == StageParameterKind.Upstream ? "upstream" : "input")
                .Add("source", input.Source)
                .Add("fingerprint", input.Fingerprint);
        }

        return builder.Finish();
    }
}
