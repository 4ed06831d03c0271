namespace Stagecraft.Cli.Output;

/// <summary>Rows of text under column headers; rendered by <see cref="CliConsole"/> as a table or aligned text.</summary>
internal sealed class CliTable(params string[] columns)
{
    private readonly List<string[]> _rows = [];

    public IReadOnlyList<string> Columns { get; } = columns;

    public IReadOnlyList<string[]> Rows => _rows;

    public CliTable Add(params string?[] cells)
    {
        if (cells.Length != Columns.Count)
        {
            throw new ArgumentException($"A row has {cells.Length} cells but the table has {Columns.Count} columns.", nameof(cells));
        }

        _rows.Add([.. cells.Select(c => c ?? "-")]);
        return this;
    }
}
