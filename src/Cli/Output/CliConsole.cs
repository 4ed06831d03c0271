using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Stagecraft.Cli.Output;

/// <summary>
/// Where a command writes: tables and trees drawn with Spectre.Console on a terminal, aligned plain text when
/// redirected, JSON with <c>--json</c>. Errors go to <see cref="Error"/>.
/// </summary>
internal sealed class CliConsole
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Func<Stream> _openRawOutput;

    public CliConsole(TextWriter output, TextWriter error, OutputStyle style, Func<Stream> openRawOutput)
    {
        Output = output;
        Error = error;
        Style = style;
        _openRawOutput = openRawOutput;
    }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    public OutputStyle Style { get; }

    public bool Json => Style == OutputStyle.Json;

    /// <summary>The raw byte stream behind <see cref="Output"/> (for object content), flushed text first.</summary>
    public async Task<Stream> OpenRawOutputAsync()
    {
        await Output.FlushAsync().ConfigureAwait(false);
        return _openRawOutput();
    }

    public Task WriteLineAsync(string line) => Output.WriteLineAsync(line);

    public async Task WriteJsonAsync<T>(T value)
    {
        await Output.WriteLineAsync(JsonSerializer.Serialize(value, JsonOptions)).ConfigureAwait(false);
    }

    /// <summary>One compact JSON document per line (for streams such as logs).</summary>
    public Task WriteJsonLineAsync<T>(T value) =>
        Output.WriteLineAsync(JsonSerializer.Serialize(value, new JsonSerializerOptions(JsonOptions) { WriteIndented = false }));

    public async Task WriteTableAsync(CliTable table)
    {
        if (Style == OutputStyle.Human)
        {
            var rendered = new Table().Border(TableBorder.Rounded);
            foreach (var column in table.Columns)
            {
                rendered.AddColumn(new TableColumn(new Text(column, new Style(decoration: Decoration.Bold))));
            }

            foreach (var row in table.Rows)
            {
                rendered.AddRow(row.Select(cell => (IRenderable)new Text(cell)));
            }

            Render(rendered);
            return;
        }

        var widths = table.Columns.Select((c, i) => table.Rows.Select(r => r[i].Length).Append(c.Length).Max()).ToArray();
        await Output.WriteLineAsync(Line(table.Columns, widths)).ConfigureAwait(false);
        foreach (var row in table.Rows)
        {
            await Output.WriteLineAsync(Line(row, widths)).ConfigureAwait(false);
        }
    }

    public async Task WriteTreeAsync(CliTree tree)
    {
        if (Style == OutputStyle.Human)
        {
            var rendered = new Tree(new Text(tree.Label, new Style(decoration: Decoration.Bold)));
            AddNodes(rendered, tree.Children);
            Render(rendered);
            return;
        }

        var text = new StringBuilder();
        AppendPlain(text, tree, 0);
        await Output.WriteAsync(text.ToString()).ConfigureAwait(false);
    }

    private void Render(IRenderable renderable)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Output) });
        console.Write(renderable);
    }

    private static void AddNodes(IHasTreeNodes parent, IReadOnlyList<CliTree> children)
    {
        foreach (var child in children)
        {
            AddNodes(parent.AddNode(new Text(child.Label)), child.Children);
        }
    }

    private static void AppendPlain(StringBuilder text, CliTree node, int depth)
    {
        text.Append(' ', depth * 2).Append(node.Label).Append('\n');
        foreach (var child in node.Children)
        {
            AppendPlain(text, child, depth + 1);
        }
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
}
