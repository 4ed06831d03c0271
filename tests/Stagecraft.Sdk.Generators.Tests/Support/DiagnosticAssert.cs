using Microsoft.CodeAnalysis;

namespace Stagecraft.Sdk.Generators.Tests.Support;

/// <summary>Runs the generator on marked-up source and checks its diagnostics precisely.</summary>
internal static class DiagnosticAssert
{
    /// <summary>
    /// Expects exactly one diagnostic per <c>[|...|]</c> span, in order, each with <paramref name="id"/>, that exact span
    /// (in a real source tree, so #pragma applies), the 1-based line and column given (checked separately so a test reads
    /// like a compiler message), and the message. Also checks the consequences: no generated file for the pipeline, and
    /// no compiler error in the user's code (no cascade).
    /// </summary>
    public static GeneratorOutcome Single(string markup, string id, int line, int column, string message, int validPipelines = 0) =>
        Many(markup, id, validPipelines, (line, column, message));

    public static GeneratorOutcome Many(string markup, string id, params (int Line, int Column, string Message)[] expected) =>
        Many(markup, id, 0, expected);

    /// <param name="validPipelines">How many other, valid pipelines in the source do get generated code.</param>
    public static GeneratorOutcome Many(string markup, string id, int validPipelines, params (int Line, int Column, string Message)[] expected)
    {
        var (source, spans) = Markup.Parse(markup);
        Assert.Equal(expected.Length, spans.Count);
        var outcome = GeneratorHarness.Run(source);
        Assert.Null(outcome.GeneratorException);

        var diagnostics = outcome.Diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.True(
            diagnostics.Count == expected.Length && diagnostics.All(d => d.Id == id),
            $"Expected {expected.Length} x {id}, got:\n{string.Join("\n", diagnostics)}");
        for (var i = 0; i < expected.Length; i++)
        {
            var diagnostic = diagnostics[i];
            Assert.Equal(LocationKind.SourceFile, diagnostic.Location.Kind);
            Assert.Equal(spans[i], diagnostic.Location.SourceSpan);
            var start = diagnostic.Location.GetLineSpan().StartLinePosition;
            Assert.Equal((expected[i].Line, expected[i].Column), (start.Line + 1, start.Character + 1));
            Assert.Equal(expected[i].Message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            Assert.False(string.IsNullOrEmpty(diagnostic.Descriptor.Description.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.StartsWith("https://", diagnostic.Descriptor.HelpLinkUri, StringComparison.Ordinal);
            Assert.Equal("Stagecraft.Pipelines", diagnostic.Descriptor.Category);
        }

        if (diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            Assert.Equal(validPipelines, outcome.Sources.Count);
        }

        Assert.Empty(outcome.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return outcome;
    }
}
