using Stagecraft.Pipelines;
using Stagecraft.Sdk.Generators.Tests.Support;

namespace Stagecraft.Sdk.Generators.Tests;

/// <summary>
/// <c>[Stage(Profile = ..., Timeout = ..., Retries = ...)]</c>: checked at compile time on the argument, and carried into
/// the generated <see cref="StageDescriptor"/> for the runner's placement.
/// </summary>
public sealed class StagePlacementTests
{
    private const string Prelude = """
        using Stagecraft.Pipelines;
        public sealed record Features(int N);
        public sealed record Model(int N);

        """;

    [Fact]
    public void Profile_timeout_and_retries_appear_in_the_generated_graph()
    {
        var outcome = GeneratorHarness.Run(Prelude + """
            namespace Demo
            {
                [Pipeline]
                public static partial class P
                {
                    [Stage(Profile = "cpu-small")] public static Features Load([Input] int n) => new(n);
                    [Stage(Profile = "h100-spot", Timeout = "1.02:30:00.5", Retries = 2)] public static Model Train(Features f) => new(f.N);
                    [Stage(Retries = 0)] public static int Score(Model m) => m.N;
                    [Stage] public static string Report(Model m) => m.ToString();
                }
            }
            """);
        Assert.Empty(outcome.Diagnostics);
        Assert.Empty(outcome.CompilerDiagnostics);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        var graph = loaded.GetStaticProperty<PipelineGraph>("Demo.P", "Graph");

        Assert.Equal(("cpu-small", null, null), Placement(graph["Load"]));
        Assert.Equal(("h100-spot", new TimeSpan(1, 2, 30, 0, 500), 2), Placement(graph["Train"]));
        Assert.Equal((null, null, 0), Placement(graph["Score"]));
        Assert.Equal((null, null, null), Placement(graph["Report"]));
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"  \"")]
    public void SC1012_blank_profile(string profile)
    {
        DiagnosticAssert.Single(Prelude + $$"""
            [Pipeline]
            public static partial class P
            {
                [Stage(Profile = [|{{profile}}|])] public static Model Train(Features f) => new(f.N);
            }
            """,
            "SC1012", 7, 22,
            "Stage 'Train' has a blank Profile; name a resource profile of the runner's placement, or leave Profile out for the default placement");
    }

    [Theory]
    [InlineData("2 hours", "is not a TimeSpan in the invariant \"c\" format")]
    [InlineData("2h", "is not a TimeSpan in the invariant \"c\" format")]
    [InlineData("25:00:00", "is not a TimeSpan in the invariant \"c\" format")]
    [InlineData("00:00:00", "is not positive")]
    [InlineData("-01:00:00", "is not positive")]
    public void SC1013_unparsable_or_non_positive_timeout(string timeout, string problem)
    {
        DiagnosticAssert.Single(Prelude + $$"""
            [Pipeline]
            public static partial class P
            {
                [Stage(Timeout = [|"{{timeout}}"|])] public static Model Train(Features f) => new(f.N);
            }
            """,
            "SC1013", 7, 22,
            $"Stage 'Train' has Timeout \"{timeout}\", which {problem}; write a positive TimeSpan in the invariant \"c\" format, such as \"02:00:00\" or \"1.12:00:00\"");
    }

    [Fact]
    public void SC1014_negative_retries()
    {
        DiagnosticAssert.Single(Prelude + """
            [Pipeline]
            public static partial class P
            {
                [Stage("fit", Retries = [|-1|])] public static Model Train(Features f) => new(f.N);
            }
            """,
            "SC1014", 7, 29,
            "Stage 'fit' has Retries = -1; the number of retries cannot be negative (0 means never retry)");
    }

    private static (string? Profile, TimeSpan? Timeout, int? Retries) Placement(StageDescriptor stage) =>
        (stage.Profile, stage.Timeout, stage.Retries);
}
