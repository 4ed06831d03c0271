using Microsoft.CodeAnalysis;
using Stagecraft.Sdk.Generators.Tests.Support;

namespace Stagecraft.Sdk.Generators.Tests;

/// <summary>
/// Every diagnostic: id, exact location, message, no generated code for an invalid pipeline, and no follow-on
/// compiler errors. Sources start with <see cref="Prelude"/> (7 lines), so pipeline code starts on line 8.
/// </summary>
public sealed class DiagnosticTests
{
    private const string Prelude = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Stagecraft.Pipelines;
        public sealed record Features(int N);
        public sealed record Model(int N);
        public sealed record Report(int N);

        """;

    [Fact]
    public void SC1001_duplicate_stage_name_from_an_explicit_name()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model Train(Features f) => new(f.N);
                [Stage([|"Train"|])] public static Model Retrain(Features f) => new(f.N);
            }
            """,
            "SC1001", 12, 12,
            "Pipeline 'P' already has a stage named 'Train' (method 'Train'); stage names must be unique within a pipeline");
    }

    [Fact]
    public void SC1001_duplicate_stage_name_from_overloads()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline(Name = "forecast")]
            public static partial class P
            {
                [Stage] public static Model Train(Features f) => new(f.N);
                [Stage] public static Report [|Train|](Model m) => new(m.N);
            }
            """,
            "SC1001", 12, 34,
            "Pipeline 'forecast' already has a stage named 'Train' (method 'Train'); stage names must be unique within a pipeline");
    }

    [Fact]
    public void SC1002_from_naming_an_unknown_stage()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model Train(Features f) => new(f.N);
                [Stage] public static Report Evaluate([From([|"Trian"|])] Model m) => new(m.N);
            }
            """,
            "SC1002", 12, 49,
            "[From(\"Trian\")] on parameter 'm' of stage 'Evaluate' names no stage of pipeline 'P'; its stages are: Train, Evaluate");
    }

    [Fact]
    public void SC1002_stages_of_other_pipelines_cannot_be_referenced()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class Training
            {
                [Stage] public static Model Train(Features f) => new(f.N);
            }

            [Pipeline]
            public static partial class Evaluation
            {
                [Stage] public static Report Evaluate([From([|nameof(Training.Train)|])] Model m) => new(m.N);
            }
            """,
            "SC1002", 17, 49,
            "[From(\"Train\")] on parameter 'm' of stage 'Evaluate' names no stage of pipeline 'Evaluation'; its stages are: Evaluate",
            validPipelines: 1);
    }

    [Fact]
    public void SC1003_upstream_output_does_not_convert_to_the_parameter_type()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model Train(Features f) => new(f.N);
                [Stage] public static Report Evaluate([From(nameof(Train))] Features [|features|]) => new(features.N);
            }
            """,
            "SC1003", 12, 74,
            "Parameter 'features' of stage 'Evaluate' has type 'Features', but stage 'Train' outputs 'Model', which does not convert to it");
    }

    [Fact]
    public void SC1003_numeric_conversions_are_not_applied()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static int Count(Features f) => f.N;
                [Stage] public static Report Evaluate([From(nameof(Count))] long [|count|]) => new((int)count);
            }
            """,
            "SC1003", 12, 70,
            "Parameter 'count' of stage 'Evaluate' has type 'long', but stage 'Count' outputs 'int', which does not convert to it");
    }

    [Fact]
    public void SC1004_cycle_lists_the_stages_in_data_flow_order()
    {
        var outcome = DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Features [|A|]([From(nameof(C))] Report r) => new(r.N);
                [Stage] public static Model B(Features f) => new(f.N);
                [Stage] public static Report C(Model m) => new(m.N);
                [Stage] public static Report Downstream([From(nameof(C))] Report r) => r;
            }
            """,
            "SC1004", 11, 36,
            "Pipeline 'P' has a cycle: A → B → C → A");

        // The other stages of the cycle are additional locations.
        var additional = Assert.Single(outcome.Diagnostics).AdditionalLocations;
        Assert.Equal([12, 13], additional.Select(l => l.GetLineSpan().StartLinePosition.Line + 1));
    }

    [Fact]
    public void SC1004_a_stage_reading_itself_is_a_cycle()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model [|Refine|]([From(nameof(Refine))] Model m) => m;
            }
            """,
            "SC1004", 11, 33,
            "Pipeline 'P' has a cycle: Refine → Refine");
    }

    [Fact]
    public void SC1004_each_independent_cycle_is_reported()
    {
        DiagnosticAssert.Many(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model [|A|]([From("B")] Features f) => new(f.N);
                [Stage] public static Features B([From("A")] Model m) => new(m.N);
                [Stage] public static Report [|C|]([From("C")] Report r) => r;
            }
            """,
            "SC1004",
            (11, 33, "Pipeline 'P' has a cycle: A → B → A"),
            (13, 34, "Pipeline 'P' has a cycle: C → C"));
    }

    [Fact]
    public void SC1005_two_other_stages_output_the_parameter_type()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model TrainSmall(Features f) => new(f.N);
                [Stage] public static Model TrainLarge(Features f) => new(f.N * 2);
                [Stage] public static Report Evaluate(Model [|model|]) => new(model.N);
            }
            """,
            "SC1005", 13, 49,
            "Parameter 'model' of stage 'Evaluate' has type 'Model', which several stages produce ('TrainSmall', 'TrainLarge'); add [From(nameof(...))] to pick one, or [Input] to make it a pipeline input");
    }

    [Fact]
    public void SC1006_system_types_are_never_bound_by_type()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model Train(Features f, double [|learningRate|]) => new(f.N);
                [Stage] public static double Evaluate(Model m) => m.N;
            }
            """,
            "SC1006", 11, 58,
            "Parameter 'learningRate' of stage 'Train' is unbound: its type 'double' is output by stage 'Evaluate', but a type built only from System types is never bound by type; add [From(nameof(...))] to read a stage's output, or [Input] to make it a pipeline input");
    }

    [Fact]
    public void SC1006_a_stage_cannot_read_its_own_output_by_type()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model Train(Features f, Model [|warmStart|]) => new(f.N + warmStart.N);
            }
            """,
            "SC1006", 11, 57,
            "Parameter 'warmStart' of stage 'Train' is unbound: its type 'Model' is output only by stage 'Train' itself, and a stage cannot read its own output; add [From(nameof(...))] to read a stage's output, or [Input] to make it a pipeline input");
    }

    [Theory]
    [InlineData("[Stage] public Model [|Train|](Features f) => new(f.N);", 11, 26, "it is not static")]
    [InlineData("[Stage] public static Model [|Train|]<T>(Features f) => new(f.N);", 11, 33, "it is generic, and a stage's input and output types must be fixed")]
    [InlineData("[Stage] public static Model Train(ref Features [|f|]) => new(f.N);", 11, 52, "parameter 'f' is passed by ref, and stage parameters are passed by value")]
    [InlineData("[Stage] public static Model Train(out Features [|f|]) { f = new(1); return new(1); }", 11, 52, "parameter 'f' is passed by out, and stage parameters are passed by value")]
    [InlineData("[Stage] public static Model Train(in Features [|f|]) => new(f.N);", 11, 51, "parameter 'f' is passed by in, and stage parameters are passed by value")]
    [InlineData("[Stage] public static [|void|] Train(Features f) { }", 11, 27, "it returns void, and a stage returns its output (T, Task<T> or ValueTask<T>)")]
    [InlineData("[Stage] public static [|Task|] Train(Features f) => Task.CompletedTask;", 11, 27, "it returns Task without a result, and a stage returns its output (T, Task<T> or ValueTask<T>)")]
    [InlineData("[Stage] public static async [|ValueTask|] Train(Features f) => await Task.Yield();", 11, 33, "it returns ValueTask without a result, and a stage returns its output (T, Task<T> or ValueTask<T>)")]
    [InlineData("static Model s_model = new(1); [Stage] public static [|ref Model|] Train(Features f) => ref s_model;", 11, 58, "it returns by reference")]
    [InlineData("[Stage] public static Model Train(Span<int> [|values|]) => new(values.Length);", 11, 49, "parameter 'values' has type 'System.Span<int>', which cannot be boxed (a ref struct or pointer), so the runtime cannot pass it")]
    [InlineData("[Stage] public static Model X(Features f) => new(1); [Stage] public static Model Train([From(\"X\"), Input] Features [|f|]) => new(f.N);", 11, 120, "parameter 'f' has both [From] and [Input], and a parameter reads either a stage's output or a pipeline input")]
    public void SC1007_invalid_stage_signature(string member, int line, int column, string reason)
    {
        DiagnosticAssert.Single(
            Prelude + "[Pipeline]\npublic partial class P\n{\n    " + member + "\n}\n",
            "SC1007", line, column,
            $"Stage method 'Train' is invalid: {reason}");
    }

    [Fact]
    public void SC1007_an_operator_is_not_a_stage()
    {
        // Constructors are already refused by the compiler (AttributeTargets.Method); operators are methods to it.
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public partial class P
            {
                [Stage] public static Model operator [|+|](P a, P b) => new(1);
            }
            """,
            "SC1007", 11, 42,
            "Stage method 'op_Addition' is invalid: a stage is an ordinary method, not a constructor, operator, conversion or accessor");
    }

    [Fact]
    public void SC1008_pipeline_class_not_partial()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static class [|Forecast|]
            {
                [Stage] public static Model Train(Features f) => new(f.N);
            }
            """,
            "SC1008", 9, 21,
            "[Pipeline] class 'Forecast' is invalid: it is not declared partial, and the generator adds Graph, RunAsync, Outputs and StageNames to it");
    }

    [Fact]
    public void SC1008_containing_type_not_partial()
    {
        DiagnosticAssert.Single(Prelude + """
            public static class Outer
            {
                [Pipeline]
                public static partial class [|Forecast|]
                {
                    [Stage] public static Model Train(Features f) => new(f.N);
                }
            }
            """,
            "SC1008", 11, 33,
            "[Pipeline] class 'Outer.Forecast' is invalid: its containing type 'Outer' is not declared partial");
    }

    [Fact]
    public void SC1008_generic_pipeline_class()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class [|Forecast|]<T>
            {
                [Stage] public static Model Train(Features f) => new(f.N);
            }
            """,
            "SC1008", 9, 29,
            "[Pipeline] class 'Forecast<T>' is invalid: it is generic, and a pipeline's stages cannot depend on type arguments");
    }

    [Fact]
    public void SC1009_stage_in_a_class_without_pipeline_is_a_warning()
    {
        var outcome = DiagnosticAssert.Single(Prelude + """
            public static class Helpers
            {
                [Stage] public static Model [|Train|](Features f) => new(f.N);
            }
            """,
            "SC1009", 10, 33,
            "[Stage] on 'Train' has no effect: its class 'Helpers' has no [Pipeline] attribute");
        Assert.Equal(DiagnosticSeverity.Warning, Assert.Single(outcome.Diagnostics).Severity);
    }

    [Fact]
    public void SC1009_stage_in_a_class_with_other_attributes()
    {
        DiagnosticAssert.Single(Prelude + """
            [Obsolete("old helpers")]
            public static class Helpers
            {
                [Stage] public static Model [|Train|](Features f) => new(f.N);
            }
            """,
            "SC1009", 11, 33,
            "[Stage] on 'Train' has no effect: its class 'Helpers' has no [Pipeline] attribute");
    }

    [Fact]
    public void SC1009_is_not_reported_for_stages_of_a_pipeline_declared_on_another_part_or_through_an_alias()
    {
        var outcome = GeneratorHarness.Run(
            Prelude + "[Pipeline] public static partial class P { [Stage] public static Features Load(int rows) => new(rows); }",
            "using Stagecraft.Pipelines; public sealed record Out(int N); public static partial class P { [Stage] public static Out Use(Features f) => new(f.N); }",
            "using Flow = Stagecraft.Pipelines.PipelineAttribute; using Stagecraft.Pipelines; [Flow] public static partial class Q { [Stage] public static Features Other(int rows) => new(rows); }");

        Assert.Empty(outcome.Diagnostics);
        Assert.Equal(2, outcome.Sources.Count);
        Assert.Empty(outcome.CompilerDiagnostics);
    }

    [Fact]
    public void SC1009_stage_in_a_class_with_a_foreign_attribute_named_Pipeline()
    {
        DiagnosticAssert.Single(Prelude + """
            namespace Other { public sealed class PipelineAttribute : Attribute { } }
            [Other.Pipeline]
            public static class Helpers
            {
                [Stage] public static Model [|Train|](Features f) => new(f.N);
            }
            """,
            "SC1009", 12, 33,
            "[Stage] on 'Train' has no effect: its class 'Helpers' has 'Other.PipelineAttribute', which is not Stagecraft.Pipelines.PipelineAttribute");
    }

    [Fact]
    public void SC1009_stage_on_a_lambda()
    {
        DiagnosticAssert.Single(Prelude + """
            public static class Helpers
            {
                public static Func<Features, Model> Make() => [|[Stage] (Features f) => new Model(f.N)|];
            }
            """,
            "SC1009", 10, 51,
            "[Stage] on 'lambda' has no effect: it is a lambda, and only methods of a [Pipeline] class are stages");
    }

    [Fact]
    public void SC1010_cases_have_their_own_message_formats()
    {
        var formats = Stagecraft.Generators.Diagnostics.PipelineDiagnostics.Descriptors
            .Where(d => d.Id == "SC1010")
            .Select(d => d.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ToList();

        Assert.Equal(4, formats.Distinct().Count());
        Assert.All(formats, f => Assert.Contains("{0}", f, StringComparison.Ordinal));
        Assert.DoesNotContain("{0}", formats);
    }

    [Fact]
    public void SC1009_stage_on_a_local_function()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model Train(Features f)
                {
                    return Scale(f);

                    [Stage] static Model [|Scale|](Features f) => new(f.N * 2);
                }
            }
            """,
            "SC1009", 15, 30,
            "[Stage] on 'Scale' has no effect: it is a local function, and only methods of a [Pipeline] class are stages");
    }

    [Fact]
    public void SC1010_explicit_stage_name_must_be_an_identifier()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage([|"train-model"|])] public static Model Train(Features f) => new(f.N);
            }
            """,
            "SC1010", 11, 12,
            "Stage name 'train-model' of method 'Train' cannot be used: stage names name generated members, so they must be C# identifiers other than 'Outputs', 'StageNames' and the members of object");
    }

    [Fact]
    public void SC1010_stage_name_reserved_for_a_generated_type()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage([|"Outputs"|])] public static Model Train(Features f) => new(f.N);
            }
            """,
            "SC1010", 11, 12,
            "Stage name 'Outputs' of method 'Train' cannot be used: stage names name generated members, so they must be C# identifiers other than 'Outputs', 'StageNames' and the members of object");
    }

    [Fact]
    public void SC1010_stage_named_like_a_member_of_object()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model [|GetType|](Features f) => new(f.N);
            }
            """,
            "SC1010", 11, 33,
            "Stage name 'GetType' of method 'GetType' cannot be used: stage names name generated members, so they must be C# identifiers other than 'Outputs', 'StageNames' and the members of object");
    }

    [Fact]
    public void SC1010_blank_pipeline_name()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline(Name = [|" "|])]
            public static partial class P
            {
                [Stage] public static Model Train(Features f) => new(f.N);
            }
            """,
            "SC1010", 8, 18,
            "Pipeline name of 'P' is blank; give [Pipeline(Name = ...)] a name, or leave it out to use the class name");
    }

    [Fact]
    public void SC1010_input_named_like_a_RunAsync_parameter()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model Train(Features f, string [|runner|]) => new(f.N);
            }
            """,
            "SC1010", 11, 58,
            "Pipeline input 'runner' (parameter of stage 'Train') has the name of a parameter of the generated RunAsync; rename the parameter");
    }

    [Fact]
    public void SC1010_member_named_like_a_generated_member()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                public static string [|Graph|] => "mine";
                [Stage] public static Model Train(Features f) => new(f.N);
            }
            """,
            "SC1010", 11, 26,
            "Member 'Graph' of pipeline class 'P' has the name of a generated member; rename it");
    }

    [Fact]
    public void SC1011_the_same_input_name_with_two_types()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Features Load(int seed) => new(seed);
                [Stage] public static Model Train(Features f, string [|seed|]) => new(f.N);
            }
            """,
            "SC1011", 12, 58,
            "Pipeline input 'seed' is 'int' in stage 'Load' but 'string' in stage 'Train'; parameters naming the same input must have the same type");
    }

    [Fact]
    public void Several_problems_are_all_reported_at_once()
    {
        var (source, _) = Markup.Parse(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model Train(Features f) => new(f.N);
                [Stage] public static Model Train(Model m) => m;
                [Stage] public static Report Evaluate([From("Nope")] Model m) => new(m.N);
                [Stage] public static void Log(Report r) { }
            }
            """);

        var outcome = GeneratorHarness.Run(source);

        Assert.Equal(["SC1001", "SC1002", "SC1007"], outcome.Diagnostics.Select(d => d.Id).Order());
        Assert.Empty(outcome.Sources);
    }

    [Fact]
    public void Pragma_suppresses_errors_and_warnings_at_their_source_location()
    {
        var outcome = GeneratorHarness.Run(Prelude + """
            [Pipeline]
            public static partial class P
            {
            #pragma warning disable SC1007 // reported and suppressed
                [Stage] public static void Log(Features f) { }
            #pragma warning restore SC1007
                [Stage] public static void Log2(Features f) { }
            }

            public static class Helpers
            {
            #pragma warning disable SC1009
                [Stage] public static Model Train(Features f) => new(f.N);
            #pragma warning restore SC1009
            }
            """);

        var byMethod = outcome.Diagnostics.ToDictionary(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Split('\'')[1]);
        Assert.True(byMethod["Log"].IsSuppressed);
        Assert.False(byMethod["Log2"].IsSuppressed);
        Assert.True(byMethod["Train"].IsSuppressed);
    }

    [Fact]
    public void Unresolved_types_are_left_to_the_compiler()
    {
        var outcome = GeneratorHarness.Run(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model Train(Featurez f) => new(1);
                [Stage] public static Reprot Evaluate(Model m) => null!;
            }
            """);

        Assert.Empty(outcome.Diagnostics);
        Assert.Empty(outcome.Sources);
        Assert.Equal(["CS0246", "CS0246"], outcome.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id));
    }

    [Fact]
    public void Descriptors_have_unique_stable_ids_and_help()
    {
        var descriptors = Stagecraft.Generators.Diagnostics.PipelineDiagnostics.Descriptors;
        Assert.Equal(
            ["SC1001", "SC1002", "SC1003", "SC1004", "SC1005", "SC1006", "SC1007", "SC1008", "SC1009", "SC1010", "SC1011", "SC1012", "SC1013", "SC1014", "SC1015", "SC1016", "SC1017"],
            descriptors.Select(d => d.Id).Distinct().Order());
        Assert.All(descriptors, d => Assert.EndsWith("#" + d.Id.ToLowerInvariant(), d.HelpLinkUri, StringComparison.Ordinal));

        // The release-tracking file lists the same ids with the same severities (RS2008 keeps it honest at build time).
        var unshipped = File.ReadAllText(Stagecraft.Testing.RepositoryLayout.Combine("src", "Sdk.Generators", "AnalyzerReleases.Unshipped.md"));
        Assert.All(descriptors, d => Assert.Contains($"{d.Id} | {d.Category} | {d.DefaultSeverity} |", unshipped, StringComparison.Ordinal));
    }
}
