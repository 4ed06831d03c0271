using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Stagecraft.Generators.Pipelines;
using Stagecraft.Sdk.Generators.Tests.Support;

namespace Stagecraft.Sdk.Generators.Tests;

/// <summary>
/// What the incremental pipeline does on a second run after an edit, read from the tracked steps
/// (<c>trackIncrementalGeneratorSteps: true</c>).
/// </summary>
public sealed class IncrementalityTests
{
    private const string PipelinePath = "/src/Forecast.cs";
    private const string UnrelatedPath = "/src/Unrelated.cs";

    private const string Unrelated = """
        namespace Demo;

        public static class Helpers
        {
            public static int Twice(int x) => x * 2;
        }
        """;

    private static readonly string[] AllStepNames =
    [
        TrackingNames.PipelineResults, TrackingNames.PipelineModels, TrackingNames.ValidPipelineModels,
        TrackingNames.PipelineDiagnostics, TrackingNames.DiagnosticsToReport,
        TrackingNames.DiagnosticsWithCompilation,
    ];

    [Fact]
    public void Unrelated_edit_leaves_every_step_and_output_cached_or_unchanged()
    {
        var (first, second) = RunTwice(SamplePipelines.Forecast, UnrelatedPath, Unrelated.Replace("x * 2", "x + x", StringComparison.Ordinal));

        foreach (var name in AllStepNames)
        {
            AssertAllReasons(second, name, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        }

        // Non-vacuous: the pipeline steps did produce values.
        Assert.Equal(IncrementalStepRunReason.Unchanged, second.TrackedSteps[TrackingNames.PipelineResults].Single().Outputs.Single().Reason);
        Assert.Equal(IncrementalStepRunReason.Cached, second.TrackedSteps[TrackingNames.ValidPipelineModels].Single().Outputs.Single().Reason);

        var outputs = second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(step => step.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Equal(first.GeneratedSources.Single().SourceText.ToString(), second.GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void Unrelated_edit_with_diagnostics_present_re_runs_only_the_reporting_edge()
    {
        const string invalid = """
            using Stagecraft.Pipelines;
            public sealed record M(int X);
            [Pipeline] public static partial class Bad { [Stage] public static void Log(M m) { } }
            public static class Stray { [Stage] public static M C() => new(1); }
            """;
        var driver = GeneratorHarness.CreateDriver();
        var compilation = TestCompilation.Create((PipelinePath, invalid), (UnrelatedPath, Unrelated));
        driver = driver.RunGenerators(compilation);
        var old = compilation.SyntaxTrees.Single(t => t.FilePath == UnrelatedPath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, old.WithChangedText(SourceText.From(Unrelated + "\n// edited\n"))));
        var second = driver.GetRunResult().Results.Single();

        AssertAllReasons(second, TrackingNames.PipelineResults, IncrementalStepRunReason.Unchanged);
        AssertAllReasons(second, TrackingNames.PipelineDiagnostics, IncrementalStepRunReason.Cached);
        AssertAllReasons(second, TrackingNames.DiagnosticsToReport, IncrementalStepRunReason.Cached);
        Assert.Single(second.TrackedSteps[TrackingNames.DiagnosticsToReport].SelectMany(s => s.Outputs));

        // By design: pairing with the new compilation re-runs, so locations bind to the current syntax trees.
        AssertAllReasons(second, TrackingNames.DiagnosticsWithCompilation, IncrementalStepRunReason.Modified);
        Assert.Equal(["SC1007"], second.Diagnostics.Select(d => d.Id)); // SC1009 (the stray stage) is the analyzer's
    }

    [Fact]
    public void Adding_an_unrelated_file_leaves_every_output_cached()
    {
        var driver = GeneratorHarness.CreateDriver();
        var compilation = TestCompilation.Create((PipelinePath, SamplePipelines.Forecast));
        driver = driver.RunGenerators(compilation);

        driver = driver.RunGenerators(compilation.AddSyntaxTrees(TestCompilation.Parse(Unrelated, UnrelatedPath)));
        var second = driver.GetRunResult().Results.Single();

        AssertAllReasons(second, TrackingNames.ValidPipelineModels, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(step => step.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Comment_and_whitespace_edit_inside_a_stage_leaves_the_graph_unchanged()
    {
        var edited = SamplePipelines.Forecast
            .Replace("var sum = 0.0;", "var sum = 0.0; // running total\n\n            /* block comment */", StringComparison.Ordinal)
            .Replace("sum += value;", "sum   +=   value;", StringComparison.Ordinal);
        Assert.NotEqual(SamplePipelines.Forecast, edited);

        var (first, second) = RunTwice(SamplePipelines.Forecast, PipelinePath, edited);

        // The transform re-ran (its tree changed) and produced an equal result; everything after it is cached.
        AssertAllReasons(second, TrackingNames.PipelineResults, IncrementalStepRunReason.Unchanged);
        AssertAllReasons(second, TrackingNames.PipelineModels, IncrementalStepRunReason.Cached);
        AssertAllReasons(second, TrackingNames.ValidPipelineModels, IncrementalStepRunReason.Cached);
        Assert.All(SourceOutputs(second), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Equal(first.GeneratedSources.Single().SourceText.ToString(), second.GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void Renaming_a_stage_changes_the_graph()
    {
        var renamed = SamplePipelines.Forecast.Replace("Train", "Fit", StringComparison.Ordinal);

        var (_, second) = RunTwice(SamplePipelines.Forecast, PipelinePath, renamed);

        AssertAllReasons(second, TrackingNames.PipelineResults, IncrementalStepRunReason.Modified);
        AssertAllReasons(second, TrackingNames.ValidPipelineModels, IncrementalStepRunReason.Modified);
        Assert.All(SourceOutputs(second), o => Assert.Equal(IncrementalStepRunReason.Modified, o.Reason));
        var source = second.GeneratedSources.Single().SourceText.ToString();
        Assert.Contains("public const string Fit = \"Fit\";", source, StringComparison.Ordinal);
        Assert.DoesNotContain("Train", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_a_stage_body_changes_its_code_hash_and_the_graph()
    {
        var edited = SamplePipelines.Forecast.Replace("sum / features.Scaled.Length", "sum / (features.Scaled.Length + 1)", StringComparison.Ordinal);

        var (first, second) = RunTwice(SamplePipelines.Forecast, PipelinePath, edited);

        AssertAllReasons(second, TrackingNames.ValidPipelineModels, IncrementalStepRunReason.Modified);
        var before = Hashes(first.GeneratedSources.Single().SourceText.ToString());
        var after = Hashes(second.GeneratedSources.Single().SourceText.ToString());
        Assert.Equal(3, before.Count);
        Assert.Equal(before[0], after[0]); // Preprocess
        Assert.NotEqual(before[1], after[1]); // Train: edited
        Assert.Equal(before[2], after[2]); // Evaluate
    }

    [Fact]
    public void Diagnostics_follow_their_code_when_an_edit_moves_it()
    {
        const string invalid = """
            using Stagecraft.Pipelines;
            public sealed record M(int X);
            [Pipeline]
            public static partial class P
            {
                [Stage] public static void Log(M m) { }
            }
            """;
        var moved = invalid.Replace("{\n    [Stage]", "{\n    // a new comment line\n    [Stage]", StringComparison.Ordinal);
        Assert.NotEqual(invalid, moved);

        var driver = GeneratorHarness.CreateDriver();
        var compilation = TestCompilation.Create((PipelinePath, invalid));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out _, out var before);
        var next = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), TestCompilation.Parse(moved, PipelinePath));
        driver = driver.RunGeneratorsAndUpdateCompilation(next, out _, out var after);

        Assert.Equal(5, Assert.Single(before).Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal(6, Assert.Single(after).Location.GetLineSpan().StartLinePosition.Line);
        Assert.Same(next.SyntaxTrees.Single(), after.Single().Location.SourceTree);
        AssertAllReasons(driver.GetRunResult().Results.Single(), TrackingNames.PipelineDiagnostics, IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void No_tracked_step_holds_a_Roslyn_object()
    {
        // Valid and invalid pipelines and a stray stage, so every step produces values.
        var (source, _) = Markup.Parse("""
            using Stagecraft.Pipelines;
            public sealed record M(int X);
            [Pipeline] public static partial class Good { [Stage] public static M A(int x) => new(x); [Stage] public static M B([From("A")] M m) => m; }
            [Pipeline] public static partial class Bad { [Stage] public static void Log(M m) { } }
            public static class Stray { [Stage] public static M C() => new(1); }
            """);
        var run = GeneratorHarness.Run(source).RunResult.Results.Single();

        // DiagnosticsWithCompilation pairs diagnostics with the Compilation on purpose (to rebuild suppressible
        // locations at report time); it is the reporting edge, not a model, and only has values while errors exist.
        foreach (var name in AllStepNames.Where(n => n != TrackingNames.DiagnosticsWithCompilation))
        {
            var steps = run.TrackedSteps[name];
            var values = steps.SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
            Assert.NotEmpty(values);
            foreach (var value in values)
            {
                var found = RoslynObjectWalker.FindRoslynObjects(value, out var visited);
                Assert.True(found.Count == 0, $"Step {name} holds Roslyn objects:\n{string.Join("\n", found)}");
                Assert.True(visited > 0);
            }
        }

        Assert.NotEmpty(run.TrackedSteps[TrackingNames.DiagnosticsWithCompilation]);
    }

    [Fact]
    public void The_walker_finds_Roslyn_objects_wherever_they_hide()
    {
        var compilation = TestCompilation.Create("public sealed record M(int X);");
        var symbol = compilation.GetTypeByMetadataName("M")!;
        var holder = new[] { new KeyValuePair<string, object>("deep", (1, new List<object> { "x", symbol.Locations[0] })) };

        var found = RoslynObjectWalker.FindRoslynObjects(holder, out _);

        Assert.Single(found);
        Assert.Contains("Location", found[0], StringComparison.Ordinal);
        Assert.NotEmpty(RoslynObjectWalker.FindRoslynObjects(new Tuple<ISymbol>(symbol), out _));
    }

    private static (GeneratorRunResult First, GeneratorRunResult Second) RunTwice(string pipeline, string editedPath, string editedText)
    {
        var driver = GeneratorHarness.CreateDriver();
        var compilation = TestCompilation.Create((PipelinePath, pipeline), (UnrelatedPath, Unrelated));
        driver = driver.RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Empty(first.Diagnostics);

        var old = compilation.SyntaxTrees.Single(t => t.FilePath == editedPath);
        var edited = compilation.ReplaceSyntaxTree(old, old.WithChangedText(SourceText.From(editedText)));
        driver = driver.RunGenerators(edited);
        var second = driver.GetRunResult().Results.Single();
        Assert.Null(second.Exception);
        Assert.Empty(second.Diagnostics);
        return (first, second);
    }

    private static void AssertAllReasons(GeneratorRunResult run, string stepName, params IncrementalStepRunReason[] allowed)
    {
        if (!run.TrackedSteps.TryGetValue(stepName, out var steps))
        {
            // Roslyn lists the steps reachable backwards from output steps. On a clean code base the diagnostics
            // outputs have no entries, so the diagnostics chain is not listed (it ran, filtered to nothing).
            Assert.True(
                stepName is TrackingNames.PipelineDiagnostics or TrackingNames.DiagnosticsToReport or TrackingNames.DiagnosticsWithCompilation,
                $"Step {stepName} is not listed; listed: {string.Join(", ", run.TrackedSteps.Keys)}");
            return;
        }

        foreach (var output in steps.SelectMany(s => s.Outputs))
        {
            Assert.True(allowed.Contains(output.Reason), $"Step {stepName} output was {output.Reason}, expected {string.Join(" or ", allowed)}.");
        }
    }

    private static IEnumerable<(object Value, IncrementalStepRunReason Reason)> SourceOutputs(GeneratorRunResult run) =>
        run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(step => step.Outputs);

    private static List<string> Hashes(string generated) =>
        [.. System.Text.RegularExpressions.Regex.Matches(generated, "\"([0-9a-f]{64})\"").Select(m => m.Groups[1].Value)];
}
