namespace Stagecraft.Gcp.Storage;

/// <summary>
/// Orders strings as their UTF-8 bytes order (= Unicode code point order), which is how Cloud Storage sorts
/// object names. Plain ordinal comparison of UTF-16 differs only where a surrogate meets U+E000..U+FFFF.
/// </summary>
internal sealed class Utf8Ordinal : IComparer<string>
{
    public static readonly Utf8Ordinal Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var common = x.AsSpan().CommonPrefixLength(y);
        if (common == x.Length || common == y.Length)
        {
            return x.Length.CompareTo(y.Length);
        }

        return CodePointRank(x[common]).CompareTo(CodePointRank(y[common]));
    }

    // Surrogates (D800-DFFF) encode code points above FFFF, so they must rank above E000-FFFF.
    private static int CodePointRank(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;
}
