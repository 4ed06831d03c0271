using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Stagecraft.Generators.Common;
using Stagecraft.Generators.Diagnostics;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// Turns <c>[Stage]</c> methods of <c>[Pipeline]</c> classes into a typed pipeline graph: <c>Graph</c>, a typed
/// <c>RunAsync</c>, <c>Outputs</c> accessors and <c>StageNames</c> constants, with reflection-free stage invokers.
/// Graph errors are reported as diagnostics and nothing is emitted for an invalid pipeline. (SC1009, a <c>[Stage]</c>
/// outside any pipeline, is <see cref="Analyzers.StrayStageAnalyzer"/>'s.)
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class PipelineGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var pipelines = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.PipelineAttributeMetadataName,
                static (node, _) => node is TypeDeclarationSyntax,
                PipelineParser.Parse)
            .WithTrackingName(TrackingNames.PipelineResults);

        var models = pipelines
            .Select(static (result, _) => result.Model)
            .WithTrackingName(TrackingNames.PipelineModels)
            .Where(static model => model is not null)
            .WithTrackingName(TrackingNames.ValidPipelineModels);

        context.RegisterSourceOutput(models, static (output, model) => output.AddSource(model!.HintName, PipelineEmitter.Emit(model)));

        var pipelineDiagnostics = pipelines
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.PipelineDiagnostics);

        ReportDiagnostics(context, pipelineDiagnostics);
    }

    private static void ReportDiagnostics(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics)
    {
        // Pair with the compilation only when there is something to report: a clean code base then never re-runs
        // this step, and a diagnostic still gets a real, #pragma-suppressible location.
        var toReport = diagnostics
            .Where(static set => !set.IsEmpty)
            .WithTrackingName(TrackingNames.DiagnosticsToReport)
            .Combine(context.CompilationProvider)
            .WithTrackingName(TrackingNames.DiagnosticsWithCompilation);

        context.RegisterSourceOutput(toReport, static (output, pair) => DiagnosticReporter.Report(output, pair.Right, pair.Left));
    }
}
