using Spectre.Console;

namespace QuickStart;

/// <summary>
/// The sample's console output: Spectre markup on an interactive terminal; plain text (no ANSI codes, no wrapping
/// at a guessed width) when output is redirected to a file or pipe.
/// </summary>
internal sealed class SampleOutput
{
    public bool Interactive { get; } = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    public static string Escape(string text) => Markup.Escape(text);

    /// <summary>Writes one line given in Spectre markup.</summary>
    public void Line(string markup)
    {
        if (Interactive)
        {
            AnsiConsole.MarkupLine(markup);
        }
        else
        {
            Console.WriteLine(Markup.Remove(markup));
        }
    }

    /// <summary>Writes a plain-text error line to standard error.</summary>
    public void Error(string text)
    {
        if (Interactive && !Console.IsErrorRedirected)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(text)}[/]");
        }
        else
        {
            Console.Error.WriteLine(text);
        }
    }

    /// <summary>A two-column table on a terminal; one padded <c>name value</c> line per row otherwise.</summary>
    public void Table(params (string Name, string Value)[] rows)
    {
        if (Interactive)
        {
            var table = new Table().Border(TableBorder.Simple).AddColumns("Metric", "Value");
            foreach (var (name, value) in rows)
            {
                table.AddRow(Markup.Escape(name), Markup.Escape(value));
            }

            AnsiConsole.Write(table);
            return;
        }

        foreach (var (name, value) in rows)
        {
            Console.WriteLine($"{name,-14} {value}");
        }
    }
}
