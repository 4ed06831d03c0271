using Microsoft.CodeAnalysis;
using Stagecraft.Pipelines;
using Stagecraft.Sdk.Generators.Tests.Support;

namespace Stagecraft.Sdk.Generators.Tests;

/// <summary>
/// Stage values must survive storage, and a parameter must not silently become an input: outputs and inputs that
/// cannot round-trip through JSON (SC1016), a parameter whose type stages output only as a derived type (SC1015), a
/// nullable output read as non-nullable (SC1017). Sources start with <see cref="Prelude"/> (8 lines).
/// </summary>
public sealed class ValueDiagnosticTests
{
    private const string Prelude = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json.Serialization;
        using Stagecraft.Pipelines;
        using Stagecraft.Signals;
        public sealed record Features(int N);
        public class Model { public double Bias; }
        public sealed class LogisticModel : Model { public double[] W = []; }

        """;

    [Fact]
    public void SC1015_a_base_class_parameter_next_to_a_stage_producing_a_derived_type_is_not_a_silent_input()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static LogisticModel Train(Features f) => new();
                [Stage] public static double Evaluate(Model [|model|], Features f) => model.Bias;
            }
            """,
            "SC1015", 13, 49,
            "Parameter 'model' of stage 'Evaluate' has type 'Model', which no stage outputs exactly, but stage 'Train' outputs 'LogisticModel'; add [From(nameof(Train))] to read that output, or [Input] to make it a pipeline input");
    }

    [Fact]
    public void SC1015_an_interface_parameter_names_every_stage_whose_output_implements_it()
    {
        DiagnosticAssert.Single(Prelude + """
            public sealed record Table(int Rows) : IReadOnlyCollection<int>
            {
                public int Count => Rows;
                public IEnumerator<int> GetEnumerator() { for (var i = 0; i < Rows; i++) { yield return i; } }
                System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
            }
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Table Left(Features f) => new(f.N);
                [Stage] public static Table Right(Features f) => new(f.N + 1);
                [Stage] public static int Total(IReadOnlyCollection<int> [|rows|]) => rows.Count;
            }
            """,
            "SC1015", 20, 62,
            "Parameter 'rows' of stage 'Total' has type 'System.Collections.Generic.IReadOnlyCollection<int>', which no stage outputs exactly, but stage 'Left' outputs 'Table', stage 'Right' outputs 'Table'; add [From(nameof(Left))] to read that output, or [Input] to make it a pipeline input");
    }

    [Fact]
    public void From_or_Input_settles_a_base_class_parameter()
    {
        var outcome = GeneratorHarness.Run(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static LogisticModel Train(Features f) => new();
                [Stage] public static double Evaluate([From(nameof(Train))] Model model, Features f) => model.Bias;
                [Stage] public static double Compare([Input] Model baseline, Features f) => baseline.Bias;
            }
            """);

        Assert.Empty(outcome.Diagnostics);
        Assert.Empty(outcome.CompilerDiagnostics);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        var graph = loaded.GetStaticProperty<PipelineGraph>("P", "Graph");
        Assert.Equal((StageParameterKind.Upstream, "Train"), (graph["Evaluate"].Parameters[0].Kind, graph["Evaluate"].Parameters[0].Source));
        Assert.Equal((StageParameterKind.PipelineInput, "baseline"), (graph["Compare"].Parameters[0].Kind, graph["Compare"].Parameters[0].Source));
    }

    [Theory]
    [InlineData("double[,]", "'double[*,*]' is a multi-dimensional array, which System.Text.Json does not support; use a jagged array (such as double[][]), or an NpySignal for large numeric data")]
    [InlineData("object", "'object' says nothing about the data, so JSON cannot re-create the value's type; declare the concrete type (return a record whose state is public properties or fields of supported types)")]
    [InlineData("Func<double, double>", "'System.Func<double, double>' is a delegate, which is code, not data; pass the data the code needs instead, or compute it inside the stage")]
    [InlineData("IDisposable", "'System.IDisposable' is an interface, which JSON cannot construct; declare the concrete type, or list the derived types with [JsonDerivedType]")]
    [InlineData("System.Collections.ArrayList", "'System.Collections.ArrayList' is a collection of object, whose elements JSON cannot re-create; use a generic collection such as List<T> of a concrete type")]
    [InlineData("Dictionary<Features, double>", "'System.Collections.Generic.Dictionary<Features, double>' has keys of type 'Features', and JSON object keys are text; use string keys (numbers, Guids and enums also work)")]
    public void SC1016_outputs_that_cannot_round_trip(string type, string problem)
    {
        DiagnosticAssert.Single(Prelude + $$"""
            [Pipeline]
            public static partial class P
            {
                [Stage] public static [|{{type}}|] Train(Features f) => default!;
            }
            """,
            "SC1016", 12, 27,
            $"The output of stage 'Train' has type '{DisplayOf(type)}', which cannot round-trip through System.Text.Json: {problem}");
    }

    [Fact]
    public void SC1016_names_the_member_at_fault_deep_inside_the_output()
    {
        DiagnosticAssert.Single(Prelude + """
            public sealed record Grid(string Name, double[,] Cells);
            public sealed record Weights(List<Grid> Layers, double Bias);
            [Pipeline]
            public static partial class P
            {
                [Stage] public static [|Weights|] Train(Features f) => null!;
            }
            """,
            "SC1016", 14, 27,
            "The output of stage 'Train' has type 'Weights', which cannot round-trip through System.Text.Json: member 'Grid.Cells' of type 'double[*,*]' is a multi-dimensional array, which System.Text.Json does not support; use a jagged array (such as double[][]), or an NpySignal for large numeric data");
    }

    [Fact]
    public void SC1016_state_only_in_private_fields_or_no_usable_constructor()
    {
        DiagnosticAssert.Many(Prelude + """
            public sealed class Secret { private double _w; public double Get() => _w; }
            public sealed class Picky { public Picky(int a) { A = a; } public Picky(string b) { A = b.Length; } public int A { get; } }
            [Pipeline]
            public static partial class P
            {
                [Stage] public static [|Secret|] Train(Features f) => new();
                [Stage] public static [|Picky|] Pick(Features f) => new(1);
            }
            """,
            "SC1016",
            (14, 27, "The output of stage 'Train' has type 'Secret', which cannot round-trip through System.Text.Json: 'Secret' has no public properties or fields, so it would be stored as {} and its state lost; return a record whose state is public properties or fields of supported types, or mark the members [JsonInclude]"),
            (15, 27, "The output of stage 'Pick' has type 'Picky', which cannot round-trip through System.Text.Json: 'Picky' has 2 public constructors with parameters and no parameterless one, so JSON cannot tell which to use; give it a public parameterless constructor or a single public constructor (a positional record has one), or mark one [JsonConstructor]"));
    }

    [Fact]
    public void SC1016_a_pipeline_input_that_cannot_round_trip_is_reported_on_the_parameter()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Features Load(Func<int> [|rows|]) => new(rows());
            }
            """,
            "SC1016", 12, 51,
            "Pipeline input 'rows' of stage 'Load' has type 'System.Func<int>', which cannot round-trip through System.Text.Json: 'System.Func<int>' is a delegate, which is code, not data; pass the data the code needs instead, or compute it inside the stage");
    }

    [Fact]
    public void What_ML_code_returns_round_trips_without_a_diagnostic()
    {
        var outcome = GeneratorHarness.Run(Prelude + """
            public sealed class Weights { public double[] W = []; public double Bias; }
            public enum Kind { Linear, Logistic }
            public sealed record Summary(Kind Kind, Dictionary<string, double> Metrics, List<double[]> Curves, double[][] Jagged, DateTimeOffset At, Guid Id, int? Best);
            public sealed class Converted { private readonly double _x; public Converted(double x) => _x = x; }
            [JsonConverter(typeof(JsonStringEnumConverter))] public enum Flag { A }
            public sealed record Tree(string Name, List<Tree> Children);
            public sealed record Holder([property: JsonConverter(typeof(JsonStringEnumConverter))] Flag Flag, Tree Root);
            [JsonDerivedType(typeof(LogisticModel))] public abstract class Shape { }
            public sealed record Done();
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Weights Fit(Features f) => new();
                [Stage] public static (double Accuracy, double Loss) Score(Weights w) => (1, double.NaN);
                [Stage] public static Summary Summarise(Weights w) => null!;
                [Stage] public static NpySignal Export(Weights w) => null!;
                [Stage] public static FileSignal Report(Weights w) => null!;
                [Stage] public static Holder Hold(Weights w) => null!;
                [Stage] public static Shape Shape(Weights w) => null!;
                [Stage] public static Done Finish(Weights w) => new();
                [Stage] public static Dictionary<Kind, Tree> Trees(Weights w) => new();
            }
            """);

        Assert.Empty(outcome.Diagnostics);
        Assert.Empty(outcome.CompilerDiagnostics);
    }

    [Fact]
    public void SC1016_a_signal_nested_in_a_record_is_not_stored()
    {
        DiagnosticAssert.Single(Prelude + """
            public sealed record Bundle(FileSignal Model, double Score);
            [Pipeline]
            public static partial class P
            {
                [Stage] public static [|Bundle|] Pack(Features f) => null!;
            }
            """,
            "SC1016", 13, 27,
            "The output of stage 'Pack' has type 'Bundle', which cannot round-trip through System.Text.Json: member 'Bundle.Model' of type 'Stagecraft.Signals.FileSignal' is a signal inside another value, and the runtime stores a signal's file or directory only when the signal is the whole output; return the signal from a stage of its own");
    }

    [Fact]
    public void SC1017_a_nullable_output_read_by_a_non_nullable_parameter_is_a_warning_and_the_pipeline_is_still_generated()
    {
        var outcome = DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage] public static Model? Train(Features f) => null;
                [Stage] public static double Evaluate(Model [|model|]) => model.Bias;
                [Stage] public static double Tolerant(Model? model) => model?.Bias ?? 0;
            }
            """,
            "SC1017", 13, 49,
            "Parameter 'model' of stage 'Evaluate' is 'Model', but stage 'Train' declares its output 'Model?', which may be null; make the parameter nullable, or the output non-nullable",
            validPipelines: 1);

        Assert.Equal(DiagnosticSeverity.Warning, Assert.Single(outcome.Diagnostics).Severity);
        Assert.Single(outcome.Sources);
    }

    private static string DisplayOf(string type) => type switch
    {
        "double[,]" => "double[*,*]",
        "Func<double, double>" or "IDisposable" => "System." + type,
        "Dictionary<Features, double>" => "System.Collections.Generic." + type,
        _ => type,
    };
}
