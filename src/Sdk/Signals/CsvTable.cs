using System.Collections.Immutable;
using System.Globalization;

namespace Stagecraft.Signals;

/// <summary>The content of a <see cref="CsvSignal"/>: a header and rows of string fields.</summary>
public sealed class CsvTable
{
    internal CsvTable(IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        Header = [.. header];
        Rows = [.. rows.Select(r => ImmutableArray.Create(r))];
    }

    /// <summary>The column names, in file order.</summary>
    public ImmutableArray<string> Header { get; }

    /// <summary>The data rows (without the header), each with one field per column.</summary>
    public ImmutableArray<ImmutableArray<string>> Rows { get; }

    /// <summary>The index of a column.</summary>
    /// <exception cref="KeyNotFoundException">No column has that name.</exception>
    public int ColumnIndex(string column)
    {
        var index = Header.IndexOf(column, StringComparer.Ordinal);
        return index >= 0
            ? index
            : throw new KeyNotFoundException($"CSV has no column '{column}' (columns: {string.Join(", ", Header)}).");
    }

    /// <summary>A column's values parsed as invariant-culture doubles.</summary>
    /// <exception cref="FormatException">A field is not a number; the message names the row and column.</exception>
    public double[] GetDoubles(string column)
    {
        var index = ColumnIndex(column);
        var values = new double[Rows.Length];
        for (var r = 0; r < Rows.Length; r++)
        {
            var field = Rows[r][index];
            if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out values[r]))
            {
                throw new FormatException($"CSV row {r + 1}, column '{column}': '{field}' is not a number.");
            }
        }

        return values;
    }
}
