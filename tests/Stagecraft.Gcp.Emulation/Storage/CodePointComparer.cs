namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>
/// Cloud Storage's name order: UTF-8 byte order, i.e. Unicode code point order. The fake keeps its own copy
/// (rather than sharing the client's) so that it is an independent oracle for the client's ordering.
/// </summary>
internal sealed class CodePointComparer : IComparer<string>
{
    public static readonly CodePointComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        var xi = x.EnumerateRunes().GetEnumerator();
        var yi = y.EnumerateRunes().GetEnumerator();
        while (true)
        {
            var xm = xi.MoveNext();
            var ym = yi.MoveNext();
            if (!xm || !ym)
            {
                return xm == ym ? 0 : xm ? 1 : -1;
            }

            var c = xi.Current.Value.CompareTo(yi.Current.Value);
            if (c != 0)
            {
                return c;
            }
        }
    }
}
