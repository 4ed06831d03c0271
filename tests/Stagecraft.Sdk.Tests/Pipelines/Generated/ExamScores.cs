using System.Globalization;
using Stagecraft.Pipelines;
using Stagecraft.Signals;

namespace Stagecraft.Sdk.Tests.Pipelines.Generated;

public sealed record ScoreTable(double[] Scores);

public sealed record ScoreReport(int Count, double Mean, long ExportBytes);

/// <summary>
/// A CSV input loaded, exported as a file and summarised — the shape of a data-loading pipeline whose input is a
/// large file (compiled by the real generator).
/// </summary>
[Pipeline]
public static partial class ExamScores
{
    [Stage]
    public static async Task<ScoreTable> Load(CsvSignal exams, CancellationToken cancellationToken)
    {
        var table = await exams.ReadAsync(cancellationToken);
        return new ScoreTable(table.GetDoubles("score"));
    }

    [Stage]
    public static Task<FileSignal> Export(ScoreTable table, StageContext context)
    {
        return FileSignal.WriteAllTextAsync(
            Path.Combine(context.WorkDirectory, "scores.txt"),
            string.Join('\n', table.Scores.Select(s => s.ToString("R", CultureInfo.InvariantCulture))),
            context.CancellationToken);
    }

    [Stage]
    public static ScoreReport Report(ScoreTable table, FileSignal export)
    {
        return new ScoreReport(table.Scores.Length, table.Scores.Length == 0 ? 0 : table.Scores.Average(), new FileInfo(export.Path).Length);
    }
}
