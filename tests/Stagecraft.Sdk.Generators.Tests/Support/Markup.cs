using Microsoft.CodeAnalysis.Text;

namespace Stagecraft.Sdk.Generators.Tests.Support;

/// <summary>
/// Source text with the expected diagnostic spans marked as <c>[|...|]</c>; <see cref="Parse"/> removes the
/// markers and returns the spans, so a test states where a diagnostic goes by pointing at the code.
/// </summary>
internal static class Markup
{
    public static (string Source, IReadOnlyList<TextSpan> Spans) Parse(string markup)
    {
        var source = new System.Text.StringBuilder(markup.Length);
        var spans = new List<TextSpan>();
        var open = -1;
        for (var i = 0; i < markup.Length; i++)
        {
            if (string.CompareOrdinal(markup, i, "[|", 0, 2) == 0)
            {
                open = source.Length;
                i++;
            }
            else if (string.CompareOrdinal(markup, i, "|]", 0, 2) == 0 && open >= 0)
            {
                spans.Add(TextSpan.FromBounds(open, source.Length));
                open = -1;
                i++;
            }
            else
            {
                source.Append(markup[i]);
            }
        }

        return (source.ToString(), spans);
    }
}
