using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Stagecraft.Generators.Diagnostics;

/// <summary>
/// Where a diagnostic points, as plain values: incremental models must not hold a <see cref="Location"/> (it roots
/// the whole syntax tree and compilation). <see cref="DiagnosticReporter"/> turns it back into a real source location.
/// </summary>
internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartCharacter, int EndLine, int EndCharacter)
{
    public TextSpan Span => new(Start, Length);

    public LinePositionSpan LineSpan => new(new LinePosition(StartLine, StartCharacter), new LinePosition(EndLine, EndCharacter));

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        var lines = location.GetLineSpan().Span;
        return new LocationInfo(
            location.SourceTree.FilePath,
            location.SourceSpan.Start,
            location.SourceSpan.Length,
            lines.Start.Line,
            lines.Start.Character,
            lines.End.Line,
            lines.End.Character);
    }

    public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

    public static LocationInfo? From(SyntaxToken token) => From(token.GetLocation());
}
