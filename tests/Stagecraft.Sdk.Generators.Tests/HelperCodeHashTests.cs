using Stagecraft.Pipelines;
using Stagecraft.Sdk.Generators.Tests.Support;

namespace Stagecraft.Sdk.Generators.Tests;

/// <summary>
/// A stage's code hash covers the members of its pipeline class that it uses, transitively, so editing a helper
/// re-runs exactly the stages that reach it instead of serving a stale cached output.
/// </summary>
public sealed class HelperCodeHashTests
{
    private const string Baseline = """
        using Stagecraft.Pipelines;

        namespace Demo;

        [Pipeline]
        public static partial class Scores
        {
            private const double Scale = 2.0;

            [Stage]
            public static double[] Load([Input] int count) => Series(count);

            [Stage]
            public static double Total([From(nameof(Load))] double[] values) => Sum(values) * Scale;

            [Stage]
            public static int Count([From(nameof(Load))] double[] values) => values.Length;

            private static double Sum(double[] values)
            {
                var total = 0.0;
                foreach (var v in values) { total += Round(v); }
                return total;
            }

            private static double Round(double v) => System.Math.Round(v, 2);

            private static double[] Series(int count)
            {
                var values = new double[count];
                for (var i = 0; i < count; i++) { values[i] = i; }
                return values;
            }

            private static int Unused() => 42;
        }
        """;

    [Theory]
    [InlineData("a helper the stage calls", "var total = 0.0;", "var total = 1.0;", "Total")]
    [InlineData("a helper's helper (transitively)", "System.Math.Round(v, 2)", "System.Math.Round(v, 3)", "Total")]
    [InlineData("a constant the stage reads", "Scale = 2.0", "Scale = 3.0", "Total")]
    [InlineData("another stage's own helper", "values[i] = i;", "values[i] = i * 2;", "Load")]
    public void Editing_code_a_stage_uses_changes_that_stage_only(string what, string find, string replacement, string affected)
    {
        var before = Hashes(Baseline);
        var edited = Baseline.Replace(find, replacement, StringComparison.Ordinal);
        Assert.True(edited != Baseline, what);

        var after = Hashes(edited);

        Assert.All(before.Keys, stage => Assert.True(
            (before[stage] != after[stage]) == (stage == affected),
            $"{what}: {stage} {(before[stage] == after[stage] ? "kept" : "changed")} its hash"));
    }

    [Fact]
    public void Editing_an_unused_member_or_a_helpers_comments_changes_no_stage()
    {
        var before = Hashes(Baseline);

        Assert.Equal(before, Hashes(Baseline.Replace("Unused() => 42", "Unused() => 43", StringComparison.Ordinal)));
        Assert.Equal(before, Hashes(Baseline.Replace("var total = 0.0;", "var total = 0.0; // running sum", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_stage_that_uses_no_member_keeps_its_own_token_hash_and_upstream_names_in_attributes_do_not_count()
    {
        // Count names Load only inside [From(nameof(Load))]: an edge, covered by the upstream fingerprint, not code it runs.
        var before = Hashes(Baseline);
        var after = Hashes(Baseline.Replace("=> Series(count);", "=> Series(count + 0);", StringComparison.Ordinal));

        Assert.NotEqual(before["Load"], after["Load"]);
        Assert.Equal(before["Count"], after["Count"]);
    }

    [Fact]
    public void Recursive_helpers_terminate()
    {
        var recursive = Baseline.Replace(
            "private static double Round(double v) => System.Math.Round(v, 2);",
            "private static double Round(double v) => v > 1e9 ? Round(v / 2) : Ping(v);\n    private static double Ping(double v) => v < -1e9 ? Round(v) : v;",
            StringComparison.Ordinal);

        Assert.Matches("^[0-9a-f]{64}$", Hashes(recursive)["Total"]);
    }

    private static Dictionary<string, string> Hashes(string source)
    {
        var outcome = GeneratorHarness.Run(source);
        Assert.Empty(outcome.Diagnostics);
        Assert.Empty(outcome.CompilerDiagnostics);
        using var loaded = LoadedAssembly.Emit(outcome.Output);
        var graph = loaded.GetStaticProperty<PipelineGraph>("Demo.Scores", "Graph");
        return graph.Stages.ToDictionary(s => s.Name, s => s.CodeHash);
    }
}
