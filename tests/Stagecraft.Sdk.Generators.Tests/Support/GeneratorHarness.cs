using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Stagecraft.Generators.Analyzers;
using Stagecraft.Generators.Pipelines;

namespace Stagecraft.Sdk.Generators.Tests.Support;

/// <summary>Runs <see cref="PipelineGenerator"/> the way the compiler does and exposes what came out.</summary>
internal static class GeneratorHarness
{
    public static GeneratorDriver CreateDriver(bool trackSteps = true) =>
        CSharpGeneratorDriver.Create(
            [new PipelineGenerator().AsSourceGenerator()],
            parseOptions: TestCompilation.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public static GeneratorOutcome Run(params string[] sources) => Run(TestCompilation.Create(sources));

    public static GeneratorOutcome Run(Compilation compilation)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        return new GeneratorOutcome(compilation, output, generatorDiagnostics, Analyze(output), driver.GetRunResult());
    }

    /// <summary>
    /// The package's analyzers on the compilation with generated code, as the compiler runs them after the generator;
    /// #pragma-suppressed diagnostics are kept (flagged <see cref="Diagnostic.IsSuppressed"/>) so tests can see them.
    /// </summary>
    public static ImmutableArray<Diagnostic> Analyze(Compilation compilation)
    {
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            (exception, _, _) => exceptions.Add(exception),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: true);
        var diagnostics = compilation
            .WithAnalyzers([new StrayStageAnalyzer()], options)
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None)
            .GetAwaiter()
            .GetResult();
        Assert.Empty(exceptions);
        return diagnostics;
    }
}

/// <summary>The result of one generator run.</summary>
internal sealed record GeneratorOutcome(
    Compilation Input,
    Compilation Output,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> AnalyzerDiagnostics,
    GeneratorDriverRunResult RunResult)
{
    /// <summary>Generated files by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources =>
        RunResult.Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>Diagnostics the generator and the analyzers reported, with #pragma suppression already applied.</summary>
    public ImmutableArray<Diagnostic> Diagnostics => GeneratorDiagnostics.AddRange(AnalyzerDiagnostics);

    /// <summary>Errors and warnings of the user's code plus the generated code (what a build would show).</summary>
    public ImmutableArray<Diagnostic> CompilerDiagnostics =>
        [.. Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning)];

    public Exception? GeneratorException => RunResult.Results.Single().Exception;
}
