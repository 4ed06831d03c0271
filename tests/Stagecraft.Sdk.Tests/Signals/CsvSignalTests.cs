using Stagecraft.Signals;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.Signals;

public sealed class CsvSignalTests : IDisposable
{
    private readonly TempDirectory _temp = new("csv");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Fields_with_commas_quotes_line_breaks_and_edge_spaces_round_trip()
    {
        string[][] rows =
        [
            ["plain", "1.5"],
            ["a,b", "say \"hi\""],
            ["two\nlines", " padded "],
            ["", "x"],
        ];
        var csv = await CsvSignal.WriteAsync(_temp.Combine("out", "t.csv"), ["name", "value"], rows);

        var table = await csv.ReadAsync();

        Assert.Equal(["name", "value"], table.Header.ToArray());
        Assert.Equal(rows.Length, table.Rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(rows[i], table.Rows[i].ToArray());
        }
    }

    [Fact]
    public async Task Crlf_line_ends_a_trailing_newline_and_blank_lines_are_accepted()
    {
        var path = _temp.WriteFile("crlf.csv", "x,y\r\n1,2\r\n\r\n3,4");
        var table = await new CsvSignal(path).ReadAsync();
        Assert.Equal([1.0, 3.0], table.GetDoubles("x"));
        Assert.Equal([2.0, 4.0], table.GetDoubles("y"));
    }

    [Fact]
    public async Task Malformed_files_are_reported_with_the_rule_and_position()
    {
        var ragged = await Assert.ThrowsAsync<InvalidDataException>(() => new CsvSignal(_temp.WriteFile("r.csv", "a,b\n1,2\n3\n")).ReadAsync());
        Assert.Contains("row 2 has 1 fields but the header has 2", ragged.Message, StringComparison.Ordinal);

        var open = await Assert.ThrowsAsync<InvalidDataException>(() => new CsvSignal(_temp.WriteFile("q.csv", "a\n\"never closed\n")).ReadAsync());
        Assert.Contains("opened on line 2 is never closed", open.Message, StringComparison.Ordinal);

        var empty = await Assert.ThrowsAsync<InvalidDataException>(() => new CsvSignal(_temp.WriteFile("e.csv", "")).ReadAsync());
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_numeric_fields_and_unknown_columns_name_the_problem()
    {
        var table = await new CsvSignal(_temp.WriteFile("n.csv", "x\n1\nabc\n")).ReadAsync();
        var ex = Assert.Throws<FormatException>(() => table.GetDoubles("x"));
        Assert.Contains("row 2, column 'x': 'abc' is not a number", ex.Message, StringComparison.Ordinal);
        Assert.Throws<KeyNotFoundException>(() => table.GetDoubles("y"));
    }

    [Fact]
    public async Task Writing_a_row_of_the_wrong_width_is_refused()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => CsvSignal.WriteAsync(_temp.Combine("w.csv"), ["a", "b"], [["1"]]));
        Assert.Contains("row 1 has 1 fields but the header has 2", ex.Message, StringComparison.Ordinal);
    }
}
