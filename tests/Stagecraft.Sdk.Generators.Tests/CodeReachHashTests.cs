using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Stagecraft.Sdk.Generators.Tests.Support;

namespace Stagecraft.Sdk.Generators.Tests;

/// <summary>
/// A stage's code hash covers the code it reaches in any type of the compilation, and the referenced assemblies it uses
/// by identity and MVID: an edit re-runs exactly the stages that reach it. Each case is checked twice: on a fresh
/// compilation, and incrementally on a driver that has seen the baseline (where memoised reach must not go stale).
/// </summary>
public sealed partial class CodeReachHashTests
{
    private const string PipelineFile = """
        using Stagecraft.Pipelines;
        using Vendor;

        namespace Demo;

        public sealed record Data(double[] Values);

        [Pipeline]
        public static partial class Flow
        {
            [Stage] public static Data Load([Input] int count) => new(Series.Make(count));

            [Stage] public static bool Choose(Data data) => Policy.PreferLogistic(data.Values.Length);

            [Stage] public static double Limit(Data data) => data.Values.Length * Limits.Max;

            [Stage] public static double Score(Data data) => Models.Create().Score(data.Values);

            [Stage] public static int Count(Data data) => Totals<int>.Of(data.Values.Length);

            [Stage]
            public static string Label(Data data)
            {
                return Describe(data.Values.Length);

                static string Describe(int n) => Format.Items(n);
            }

            [Stage] public static int Ask(Data data) => Oracle.Answer() + data.Values.Length;
        }
        """;

    private const string RulesFile = """
        namespace Demo;

        public static class Policy
        {
            public static bool PreferLogistic(int n) => n > 10;
        }

        public static class Limits
        {
            public const double Max = 2.0;
        }

        public static class Series
        {
            public static double[] Make(int n) => new double[n];
        }

        public static class Totals<T>
        {
            private const int Offset = 1;

            public static int Of(int n) => n + Offset;
        }

        public static class Format
        {
            public static string Items(int n) => n + " items";
        }
        """;

    private const string ModelsFile = """
        namespace Demo;

        public abstract class Model
        {
            public virtual double Score(double[] values) => values.Length;
        }

        public sealed class LogisticModel : Model
        {
            public override double Score(double[] values) => base.Score(values) * 2;
        }

        public static class Models
        {
            public static Model Create() => new LogisticModel();
        }
        """;

    private const string UnrelatedFile = """
        namespace Demo;

        public static class Unused
        {
            public static int Twice(int x) => x * 2;
        }
        """;

    private static readonly string[] Paths = ["/src/Flow.cs", "/src/Rules.cs", "/src/Models.cs", "/src/Unrelated.cs"];

    private static readonly string[] Baseline = [PipelineFile, RulesFile, ModelsFile, UnrelatedFile];

    [Theory]
    [InlineData("a called method in another file", 1, "n > 10", "n > 20", "Choose")]
    [InlineData("a constant in another class", 1, "Max = 2.0", "Max = 3.0", "Limit")]
    [InlineData("a constant of a generic type instantiated by the stage", 1, "Offset = 1", "Offset = 2", "Count")]
    [InlineData("a method called from a local function", 1, "n + \" items\"", "n + \" rows\"", "Label")]
    [InlineData("a base class's virtual method", 2, "=> values.Length;", "=> values.Length + 1;", "Score")]
    [InlineData("an override reached through a virtual call", 2, "* 2;", "* 3;", "Score")]
    [InlineData("a helper a stage reaches through a constructor argument", 1, "new double[n]", "new double[n + 1]", "Load")]
    public void Editing_code_a_stage_reaches_changes_exactly_that_stage(string what, int file, string find, string replacement, string affected)
    {
        var edited = Edit(Baseline, file, find, replacement);
        Assert.True(edited[file] != Baseline[file], what);

        var (before, after) = HashesBeforeAndAfter(Baseline, edited, VendorV1.Value);

        Assert.All(before.Keys, stage => Assert.True(
            (before[stage] != after[stage]) == (stage == affected),
            $"{what}: {stage} {(before[stage] == after[stage] ? "kept" : "changed")} its hash"));
    }

    [Theory]
    [InlineData("a method nothing reaches", 3, "x * 2", "x * 3")]
    [InlineData("a comment in a reached method", 1, "n > 10;", "n > 10; // threshold")]
    [InlineData("a new class in a reached file", 1, "public static class Format", "public static class Extra { public static int One() => 1; }\n\npublic static class Format")]
    public void An_unrelated_edit_changes_no_stage(string what, int file, string find, string replacement)
    {
        var edited = Edit(Baseline, file, find, replacement);
        Assert.True(edited[file] != Baseline[file], what);

        var (before, after) = HashesBeforeAndAfter(Baseline, edited, VendorV1.Value);

        Assert.Equal(before, after);
    }

    [Fact]
    public void A_new_version_of_a_referenced_assembly_changes_exactly_the_stages_that_use_it()
    {
        var before = Hashes(Compile(Baseline, VendorV1.Value));
        var after = Hashes(Compile(Baseline, Vendor("2.0.0.0", "42")));

        Assert.Equal(["Ask"], before.Keys.Where(stage => before[stage] != after[stage]));
    }

    [Fact]
    public void A_rebuilt_referenced_assembly_with_the_same_version_but_other_code_changes_the_stages_that_use_it_by_its_mvid()
    {
        var before = Hashes(Compile(Baseline, VendorV1.Value));
        var rebuiltSame = Hashes(Compile(Baseline, Vendor("1.0.0.0", "42")));
        var rebuiltOther = Hashes(Compile(Baseline, Vendor("1.0.0.0", "43")));

        Assert.Equal(before, rebuiltSame); // deterministic build, same content: same MVID
        Assert.Equal(["Ask"], before.Keys.Where(stage => before[stage] != rebuiltOther[stage]));
    }

    [Fact]
    public void The_same_member_name_in_an_unreached_type_does_not_count()
    {
        // Reach is bound, not by name: another PreferLogistic elsewhere is not the one Choose calls.
        var withTwin = Baseline.Append("namespace Other; public static class Policy { public static bool PreferLogistic(int n) => n > 99; }").ToArray();
        var editedTwin = Edit(withTwin, 4, "n > 99", "n > 98");
        var paths = Paths.Append("/src/Twin.cs").ToArray();

        var before = Hashes(Compile(withTwin, VendorV1.Value, paths));
        var after = Hashes(Compile(editedTwin, VendorV1.Value, paths));

        Assert.Equal(before, after);
    }

    private static readonly Lazy<MetadataReference> VendorV1 = new(() => Vendor("1.0.0.0", "42"));

    /// <summary>A small referenced library, built deterministically (so its MVID is a function of its content).</summary>
    private static MetadataReference Vendor(string version, string answer)
    {
        var source = $$"""
            [assembly: System.Reflection.AssemblyVersion("{{version}}")]
            namespace Vendor;
            public static class Oracle { public static int Answer() => {{answer}}; }
            """;
        var library = CSharpCompilation.Create(
            "Vendor",
            [CSharpSyntaxTree.ParseText(source, TestCompilation.ParseOptions)],
            TestCompilation.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, deterministic: true));
        using var stream = new MemoryStream();
        var result = library.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return MetadataReference.CreateFromImage(stream.ToArray());
    }

    private static string[] Edit(string[] files, int file, string find, string replacement)
    {
        var edited = (string[])files.Clone();
        edited[file] = files[file].Replace(find, replacement, StringComparison.Ordinal);
        return edited;
    }

    private static CSharpCompilation Compile(string[] files, MetadataReference vendor, string[]? paths = null) =>
        TestCompilation.Create(files.Select((text, i) => ((paths ?? Paths)[i], text)).ToArray()).AddReferences(vendor);

    /// <summary>Hashes of the baseline and of the edit, the edit computed both fresh and incrementally (which must agree).</summary>
    private static (Dictionary<string, string> Before, Dictionary<string, string> After) HashesBeforeAndAfter(string[] baseline, string[] edited, MetadataReference vendor)
    {
        var compilation = Compile(baseline, vendor);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var before = Hashes(driver.GetRunResult());

        var next = compilation;
        for (var i = 0; i < baseline.Length; i++)
        {
            if (baseline[i] != edited[i])
            {
                var old = next.SyntaxTrees.Single(t => t.FilePath == Paths[i]);
                next = next.ReplaceSyntaxTree(old, old.WithChangedText(SourceText.From(edited[i])));
            }
        }

        var incremental = Hashes(driver.RunGenerators(next).GetRunResult());
        var fresh = Hashes(Compile(edited, vendor));
        Assert.Equal(fresh, incremental);
        return (before, incremental);
    }

    private static Dictionary<string, string> Hashes(CSharpCompilation compilation) =>
        Hashes(GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult());

    private static Dictionary<string, string> Hashes(GeneratorDriverRunResult run)
    {
        var result = run.Results.Single();
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics);
        var source = result.GeneratedSources.Single().SourceText.ToString();
        var hashes = StageHash().Matches(source).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.Equal(7, hashes.Count);
        return hashes;
    }

    [GeneratedRegex("StageDescriptor\\(\\s*\"(\\w+)\",\\s*[^,]+,\\s*\"([0-9a-f]{64})\"")]
    private static partial Regex StageHash();
}
