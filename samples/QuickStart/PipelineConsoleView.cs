using System.Globalization;
using Spectre.Console;
using Stagecraft.Pipelines;

namespace QuickStart;

/// <summary>
/// Shows a pipeline run as a live table (one row per stage: status, time, detail) on an interactive terminal,
/// or as one line per stage event when output is redirected. The runner delivers events one at a time, in order.
/// </summary>
internal sealed class PipelineConsoleView : IProgress<PipelineEvent>
{
    private readonly Table _table = new();
    private readonly Dictionary<string, int> _rows = new(StringComparer.Ordinal);
    private readonly bool _live;
    private readonly SampleOutput _output;
    private LiveDisplayContext? _context;

    public PipelineConsoleView(PipelineGraph graph, SampleOutput output)
    {
        _output = output;
        _live = output.Interactive;
        _table.Border(TableBorder.Rounded).AddColumns("Stage", "Status", "Time", "Detail");
        foreach (var stage in graph.Stages)
        {
            _rows[stage.Name] = _table.Rows.Count;
            _table.AddRow(Markup.Escape(stage.Name), "[grey]waiting[/]", "", "");
        }
    }

    public int Ran { get; private set; }

    public int Cached { get; private set; }

    public async Task<T> ShowAsync<T>(Func<Task<T>> run)
    {
        if (!_live)
        {
            return await run();
        }

        T result = default!;
        await AnsiConsole.Live(_table).AutoClear(false).StartAsync(async context =>
        {
            _context = context;
            result = await run();
            context.Refresh();
        });
        return result;
    }

    public void Report(PipelineEvent value)
    {
        if (value.Stage is null || !_rows.TryGetValue(value.Stage, out var row))
        {
            return;
        }

        var time = value.Duration is { } d ? d.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms" : "";
        var (status, detail) = value.Kind switch
        {
            PipelineEventKind.StageStarted => ("[yellow]running[/]", ""),
            PipelineEventKind.StageProgress => ("[yellow]running[/]", $"{value.Progress:P0}"),
            PipelineEventKind.StageSucceeded => ("[green]done[/]", ""),
            PipelineEventKind.StageCached => ("[blue]cached[/]", $"from run {value.CachedFromRunId}"),
            PipelineEventKind.StageFailed => ("[red]failed[/]", value.Reason ?? ""),
            PipelineEventKind.StageCancelled => ("[red]cancelled[/]", value.Reason ?? ""),
            PipelineEventKind.StageSkipped => ("[grey]skipped[/]", value.Reason ?? ""),
            _ => ("", ""),
        };
        if (status.Length == 0)
        {
            return;
        }

        Ran += value.Kind == PipelineEventKind.StageSucceeded ? 1 : 0;
        Cached += value.Kind == PipelineEventKind.StageCached ? 1 : 0;
        if (_live)
        {
            _table.UpdateCell(row, 1, new Markup(status));
            _table.UpdateCell(row, 2, new Markup(Markup.Escape(time)));
            _table.UpdateCell(row, 3, new Markup(Markup.Escape(detail)));
            _context?.Refresh();
        }
        else if (value.Kind != PipelineEventKind.StageProgress)
        {
            _output.Line($"  {Markup.Escape(value.Stage),-14} {status} {Markup.Escape(time)} [grey]{Markup.Escape(detail)}[/]");
        }
    }
}
