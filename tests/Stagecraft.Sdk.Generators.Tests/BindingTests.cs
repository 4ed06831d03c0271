using Microsoft.CodeAnalysis;
using Stagecraft.Pipelines;
using Stagecraft.Sdk.Generators.Tests.Support;

namespace Stagecraft.Sdk.Generators.Tests;

/// <summary>The binding rules, observed through the generated graph.</summary>
public sealed class BindingTests
{
    private const string Types = """
        using System.Collections.Generic;
        using Stagecraft.Pipelines;
        public interface IModel { int N { get; } }
        public class Model(int n) : IModel { public int N { get; } = n; }
        public sealed class Linear(int n) : Model(n);
        public sealed record Features(int N);
        public sealed record Report(int N);
        public record struct Score(int Value);

        """;

    [Fact]
    public void Parameter_binds_to_the_one_other_stage_producing_its_type_ignoring_nullable_annotations()
    {
        var graph = Graph(Types + """
            [Pipeline] public static partial class P
            {
                [Stage] public static Features Load(int rows) => new(rows);
                [Stage] public static Report Report(Features? features) => new(features!.N);
            }
            """);

        Assert.Equal(("features", StageParameterKind.Upstream, "Load"), Describe(graph["Report"].Parameters[0]));
        Assert.Equal(("rows", StageParameterKind.PipelineInput, "rows"), Describe(graph["Load"].Parameters[0]));
    }

    [Fact]
    public void From_accepts_the_stage_name_or_the_method_name_and_reference_boxing_and_nullable_conversions()
    {
        var graph = Graph(Types + """
            [Pipeline] public static partial class P
            {
                [Stage("Fit")] public static Linear TrainLinear(Features f) => new(f.N);
                [Stage] public static Score Grade(Features f) => new(f.N);
                [Stage] public static Report ByInterface([From(nameof(TrainLinear))] IModel model) => new(model.N);
                [Stage] public static Report ByBase([From("Fit")] Model model) => new(model.N);
                [Stage] public static Report Boxed([From(nameof(Grade))] object score) => new(0);
                [Stage] public static Report Nullable([From(nameof(Grade))] Score? score) => new(score?.Value ?? 0);
            }
            """);

        Assert.Equal("Fit", graph["ByInterface"].Parameters[0].Source);
        Assert.Equal("Fit", graph["ByBase"].Parameters[0].Source);
        Assert.Equal("Grade", graph["Boxed"].Parameters[0].Source);
        Assert.Equal("Grade", graph["Nullable"].Parameters[0].Source);
    }

    [Fact]
    public void By_type_binding_needs_the_exact_type_and_never_looks_at_other_pipelines()
    {
        var graph = Graph(Types + """
            [Pipeline] public static partial class Training
            {
                [Stage] public static Linear Train(Features f) => new(f.N);
            }

            [Pipeline] public static partial class Serving
            {
                [Stage] public static Report Serve(Model model, Linear linear) => new(model.N + linear.N);
            }
            """, "Serving");

        // Model is a base of Linear (not exact) and Linear is produced only by the other pipeline: both are inputs.
        Assert.Equal(["model", "linear"], graph.Inputs.Select(i => i.Name));
        Assert.All(graph["Serve"].Parameters, p => Assert.Equal(StageParameterKind.PipelineInput, p.Kind));
    }

    [Fact]
    public void Input_attribute_overrides_binding_by_type_and_marks_System_typed_inputs()
    {
        var graph = Graph(Types + """
            [Pipeline] public static partial class P
            {
                [Stage] public static Model Train(Features f, [Input] double learningRate) => new(f.N);
                [Stage] public static double Evaluate(Model m, [Input] Model baseline) => m.N - baseline.N;
                [Stage] public static Report Summarise([From(nameof(Evaluate))] double delta) => new((int)delta);
            }
            """);

        Assert.Equal(["f", "learningRate", "baseline"], graph.Inputs.Select(i => i.Name));
        Assert.Equal(("m", StageParameterKind.Upstream, "Train"), Describe(graph["Evaluate"].Parameters[0]));
        Assert.Equal(("baseline", StageParameterKind.PipelineInput, "baseline"), Describe(graph["Evaluate"].Parameters[1]));
        Assert.Equal(("delta", StageParameterKind.Upstream, "Evaluate"), Describe(graph["Summarise"].Parameters[0]));
    }

    [Fact]
    public void A_stage_may_read_its_own_output_type_from_another_stage()
    {
        var graph = Graph(Types + """
            [Pipeline] public static partial class P
            {
                [Stage] public static Model Train(Features f) => new(f.N);
                [Stage] public static Model Refine(Model model) => new(model.N + 1);
            }
            """);

        Assert.Equal(("model", StageParameterKind.Upstream, "Train"), Describe(graph["Refine"].Parameters[0]));
    }

    [Fact]
    public void Inputs_shared_by_stages_become_one_RunAsync_parameter_nullable_if_any_use_is()
    {
        var outcome = GeneratorHarness.Run(Types + """
            [Pipeline] public static partial class P
            {
                [Stage] public static Features Load(string path, int seed) => new(seed);
                [Stage] public static Model Train(Features f, string? path, int seed) => new(seed);
            }
            """);

        Assert.Empty(outcome.Diagnostics);
        var source = Assert.Single(outcome.Sources).Value;
        Assert.Matches(@"IPipelineRunner runner,\s+string\? path,\s+int seed,\s+global::System.Threading.CancellationToken cancellationToken = default\)", source);
        Assert.Empty(outcome.CompilerDiagnostics);
    }

    [Fact]
    public void Pipeline_split_across_partial_files_gathers_all_stages()
    {
        var outcome = GeneratorHarness.Run(
            Types + "[Pipeline] public static partial class P { [Stage] public static Features Load(int rows) => new(rows); }",
            "using Stagecraft.Pipelines; public static partial class P { [Stage] public static Report Report(Features f) => new(f.N); }");

        Assert.Empty(outcome.Diagnostics);
        Assert.Empty(outcome.CompilerDiagnostics);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        Assert.Equal(["Load", "Report"], loaded.GetStaticProperty<PipelineGraph>("P", "Graph").Stages.Select(s => s.Name));
    }

    [Fact]
    public void Private_output_types_get_no_accessor_and_private_input_types_a_private_RunAsync()
    {
        var outcome = GeneratorHarness.Run(Types + """
            [Pipeline] public static partial class P
            {
                private sealed record Secret(int N);
                [Stage] private static Secret Hide([Input] Secret input) => input;
                [Stage] public static Report Show(Features f) => new(f.N);
            }
            """);

        Assert.Empty(outcome.Diagnostics);
        Assert.Empty(outcome.CompilerDiagnostics);
        var source = Assert.Single(outcome.Sources).Value;
        Assert.Contains("private static global::System.Threading.Tasks.Task<global::Stagecraft.Pipelines.PipelineRunResult> RunAsync(", source, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret Hide(global::Stagecraft.Pipelines.PipelineRunResult", source, StringComparison.Ordinal);
        Assert.Contains("public static global::Report Show(global::Stagecraft.Pipelines.PipelineRunResult result)", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Obsolete_stages_and_keyword_names_compile_cleanly()
    {
        var outcome = GeneratorHarness.Run(Types + """
            namespace @event
            {
                [Pipeline] public static partial class @class
                {
                    [System.Obsolete("old")] public sealed record Old(int N);
                    [System.Obsolete("old")] [Stage] public static Old @new(int @int) => new(@int);
                    [Stage] public static Report @return([From("new")] Old o) => new(o.N);
                }
            }
            """);

        Assert.Empty(outcome.Diagnostics);
        Assert.Empty(outcome.CompilerDiagnostics.Where(d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true));
        Assert.Empty(outcome.CompilerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void Unusual_types_compile_and_describe_themselves_with_runtime_types()
    {
        var outcome = GeneratorHarness.Run(Types + """
            [Pipeline] public static partial class P
            {
                public sealed class Nested { }
                [Stage] public static (int Count, string Name) Tuple(int seed) => (seed, "x");
                [Stage] public static List<(int, string)> Tuples([From(nameof(Tuple))] dynamic t) => [t];
                [Stage] public static Model[] Models([From(nameof(Tuple))] (int, string) t) => [new(t.Item1)];
                [Stage] public static Dictionary<string, Model[]> ByName(Model[] models) => new() { ["a"] = models };
                [Stage] public static Score? MaybeScore(Dictionary<string, Model[]> byName) => null;
                [Stage] public static Nested Nest(Score? score) => new();
            }
            """);

        Assert.Empty(outcome.Diagnostics);
        Assert.Empty(outcome.CompilerDiagnostics);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        var graph = loaded.GetStaticProperty<PipelineGraph>("P", "Graph");
        Assert.Equal(typeof(ValueTuple<int, string>), graph["Tuple"].OutputType);
        Assert.Equal(typeof(List<ValueTuple<int, string>>), graph["Tuples"].OutputType);
        Assert.Equal(typeof(object), graph["Tuples"].Parameters[0].Type); // a dynamic parameter reads a boxed output
        Assert.Equal("Model[]", graph["Models"].OutputType.Name);
        Assert.Equal(typeof(Nullable<>), graph["MaybeScore"].OutputType.GetGenericTypeDefinition());
        Assert.Equal(("byName", StageParameterKind.Upstream, "ByName"), Describe(graph["MaybeScore"].Parameters[0]));
        Assert.Equal(("score", StageParameterKind.Upstream, "MaybeScore"), Describe(graph["Nest"].Parameters[0]));
        Assert.Equal("P+Nested", graph["Nest"].OutputType.FullName);
    }

    [Fact]
    public void Pipeline_attribute_on_two_parts_yields_the_compiler_error_and_one_generated_file()
    {
        var outcome = GeneratorHarness.Run(
            Types + "[Pipeline] public static partial class P { [Stage] public static Features Load(int rows) => new(rows); }",
            "using Stagecraft.Pipelines; [Pipeline] public static partial class P { }");

        Assert.Null(outcome.GeneratorException);
        Assert.Single(outcome.Sources);
        Assert.Equal(["CS0579"], outcome.CompilerDiagnostics.Select(d => d.Id));
    }

    [Fact]
    public void Without_Stagecraft_attributes_nothing_happens()
    {
        var outcome = GeneratorHarness.Run("""
            namespace Other { public sealed class PipelineAttribute : System.Attribute { } public sealed class StageAttribute : System.Attribute { } }
            namespace User { [Other.Pipeline] public static partial class P { [Other.Stage] public static int A() => 1; } }
            """);

        Assert.Null(outcome.GeneratorException);
        Assert.Empty(outcome.Diagnostics);
        Assert.Empty(outcome.Sources);
    }

    [Fact]
    public void Empty_pipeline_gets_an_empty_graph_and_a_RunAsync_without_inputs()
    {
        var outcome = GeneratorHarness.Run("using Stagecraft.Pipelines; [Pipeline] public static partial class Empty { }");
        Assert.Empty(outcome.CompilerDiagnostics);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        var graph = loaded.GetStaticProperty<PipelineGraph>("Empty", "Graph");
        Assert.Empty(graph.Stages);
        Assert.Empty(graph.Inputs);
    }

    private static PipelineGraph Graph(string source, string type = "P")
    {
        var outcome = GeneratorHarness.Run(source);
        Assert.Empty(outcome.Diagnostics);
        Assert.Empty(outcome.CompilerDiagnostics);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        return loaded.GetStaticProperty<PipelineGraph>(type, "Graph");
    }

    private static (string, StageParameterKind, string?) Describe(StageParameterDescriptor parameter) => (parameter.Name, parameter.Kind, parameter.Source);
}
