namespace Stagecraft.Storage;

/// <summary>
/// Orders object keys the way Cloud Storage lists them: by their UTF-8 bytes, which is Unicode code point
/// order. This differs from <see cref="StringComparer.Ordinal"/> (UTF-16 code units) only when a key holds
/// characters above U+FFFF together with characters in U+E000–U+FFFF.
/// </summary>
public sealed class ObjectKeyComparer : IComparer<string>
{
    private ObjectKeyComparer()
    {
    }

    /// <summary>The single instance.</summary>
    public static ObjectKeyComparer Instance { get; } = new();

    /// <inheritdoc/>
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a != b)
            {
                return CodePointOrder(a) - CodePointOrder(b);
            }
        }

        return x.Length - y.Length;
    }

    /// <summary>
    /// Shifts UTF-16 code units so that surrogates (U+D800–U+DFFF, i.e. code points ≥ U+10000) sort after
    /// U+E000–U+FFFF, which makes code-unit comparison agree with code point comparison.
    /// </summary>
    private static int CodePointOrder(char c) => c >= '\uE000' ? c - 0x800 : c >= '\uD800' ? c + 0x2000 : c;
}
