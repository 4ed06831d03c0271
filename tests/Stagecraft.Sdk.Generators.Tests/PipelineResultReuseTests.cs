using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Stagecraft.Generators.Pipelines;
using Stagecraft.Sdk.Generators.Tests.Support;

namespace Stagecraft.Sdk.Generators.Tests;

/// <summary>
/// A pipeline's parse result is reused on the next compilation when nothing it depends on changed
/// (<see cref="PipelineResultCache"/>). Each test checks the invariant that makes that safe: the incremental run says
/// exactly what a fresh run on the same compilation says, and the edit really changes that answer.
/// </summary>
public sealed class PipelineResultReuseTests
{
    private const string PipelinePath = "/src/Fit.cs";
    private const string ValuesPath = "/src/Values.cs";

    private const string Pipeline = """
        using Stagecraft.Pipelines;
        namespace Demo;

        [Pipeline]
        public static partial class Fit
        {
            [Stage] public static Weights? Train() => new(1.0);
            [Stage] public static double Score(Weights weights) => weights.W;
        }
        """;

    private const string Values = """
        namespace Demo;

        public sealed record Weights(double W)
        {
            public static double Twice(double x) => x * 2;
        }
        """;

    /// <summary>Serialisable state no more: SC1016 on both stages' types.</summary>
    private const string ValuesWithDelegate = """
        namespace Demo;

        public sealed record Weights(double W)
        {
            public static double Twice(double x) => x * 2;

            public System.Action? Callback { get; init; }
        }
        """;

    [Fact]
    public void A_body_edit_elsewhere_reuses_the_result_computed_before()
    {
        var driver = GeneratorHarness.CreateDriver();
        var compilation = TestCompilation.Create((PipelinePath, Pipeline), (ValuesPath, Values));
        driver = driver.RunGenerators(compilation);
        var before = ParseResult(driver);

        var edited = Replace(compilation, ValuesPath, Values.Replace("x * 2", "x + x", StringComparison.Ordinal));
        driver = driver.RunGenerators(edited);

        Assert.Same(before, ParseResult(driver));
        AssertSameAsFresh(driver, edited);
    }

    [Fact]
    public void A_declaration_edit_in_another_file_checks_the_pipeline_again()
    {
        var compilation = TestCompilation.Create((PipelinePath, Pipeline), (ValuesPath, Values));
        var edited = Replace(compilation, ValuesPath, ValuesWithDelegate);

        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation).RunGenerators(edited);

        Assert.Contains(driver.GetRunResult().Diagnostics, d => d.Id == "SC1016");
        AssertSameAsFresh(driver, edited);
        AssertFreshRunsDiffer(compilation, edited);
    }

    [Fact]
    public void Changed_compilation_options_check_the_pipeline_again()
    {
        var compilation = TestCompilation.Create((PipelinePath, Pipeline), (ValuesPath, Values));
        var edited = compilation.WithOptions(compilation.Options.WithNullableContextOptions(NullableContextOptions.Disable));

        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation).RunGenerators(edited);

        AssertSameAsFresh(driver, edited);
        AssertFreshRunsDiffer(compilation, edited);
    }

    [Fact]
    public void A_new_instance_of_a_referenced_project_checks_the_pipeline_again()
    {
        // Inside an IDE a project reference is the other project's compilation, with no MVID to say it changed.
        var library = CSharpCompilation.Create(
            "Values",
            [TestCompilation.Parse(Values, ValuesPath)],
            TestCompilation.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var reference = library.ToMetadataReference();
        var compilation = TestCompilation.Create((PipelinePath, Pipeline)).AddReferences(reference);
        var changedLibrary = library.ReplaceSyntaxTree(library.SyntaxTrees.Single(), TestCompilation.Parse(ValuesWithDelegate, ValuesPath));
        var edited = compilation.ReplaceReference(reference, changedLibrary.ToMetadataReference());

        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Assert.DoesNotContain(driver.GetRunResult().Diagnostics, d => d.Id == "SC1016");
        driver = driver.RunGenerators(edited);

        Assert.Contains(driver.GetRunResult().Diagnostics, d => d.Id == "SC1016");
        AssertSameAsFresh(driver, edited);
    }

    [Fact]
    public void A_body_edit_in_code_a_stage_reaches_changes_only_that_stage_hash()
    {
        var reaching = Pipeline.Replace("=> weights.W;", "=> Weights.Twice(weights.W);", StringComparison.Ordinal);
        var compilation = TestCompilation.Create((PipelinePath, reaching), (ValuesPath, Values));
        var edited = Replace(compilation, ValuesPath, Values.Replace("x * 2", "x * 3", StringComparison.Ordinal));

        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var before = Generated(driver);
        driver = driver.RunGenerators(edited);

        Assert.NotEqual(before, Generated(driver));
        AssertSameAsFresh(driver, edited);
    }

    private static object ParseResult(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().TrackedSteps[TrackingNames.PipelineResults].Single().Outputs.Single().Value;

    private static string Generated(GeneratorDriver driver) =>
        string.Concat(driver.GetRunResult().GeneratedTrees.Select(t => t.GetText().ToString()));

    private static string Diagnostics(GeneratorDriver driver) =>
        string.Join("\n", driver.GetRunResult().Diagnostics.Select(d => $"{d.Id} {d.Location.GetLineSpan()} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}").Order(StringComparer.Ordinal));

    private static void AssertSameAsFresh(GeneratorDriver incremental, Compilation compilation)
    {
        var fresh = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Assert.Null(incremental.GetRunResult().Results.Single().Exception);
        Assert.Equal(Diagnostics(fresh), Diagnostics(incremental));
        Assert.Equal(Generated(fresh), Generated(incremental));
    }

    private static void AssertFreshRunsDiffer(Compilation first, Compilation second)
    {
        var a = GeneratorHarness.CreateDriver().RunGenerators(first);
        var b = GeneratorHarness.CreateDriver().RunGenerators(second);
        Assert.False(
            Diagnostics(a) == Diagnostics(b) && Generated(a) == Generated(b),
            "The edit does not change what the generator says, so this test proves nothing.");
    }

    private static CSharpCompilation Replace(CSharpCompilation compilation, string path, string text)
    {
        var old = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return compilation.ReplaceSyntaxTree(old, old.WithChangedText(SourceText.From(text)));
    }
}
