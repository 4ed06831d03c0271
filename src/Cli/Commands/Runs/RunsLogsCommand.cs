using System.Text;
using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Runs.Logs;

namespace Stagecraft.Cli.Commands.Runs;

/// <summary>
/// <c>stagecraft runs logs RUN [--stage S] [-f]</c>: the stdout and stderr a stage's backend run stored
/// (the numbered log chunks under <see cref="RunPaths.LogsPrefix"/>, read by <see cref="RunLogReader"/>), stdout to stdout and stderr to stderr; with
/// <c>-f</c>, keeps printing until the backend run's exit code is stored. The worker's control lines (progress, structured
/// log entries) are shown readably (<see cref="RunLogLineView"/>), never as the raw protocol.
/// </summary>
internal static class RunsLogsCommand
{
    public static CliCommandDefinition Define()
    {
        var run = RunArguments.Run();
        var stage = new Option<string>("--stage") { Description = "Only this stage (default: every stage that ran on a backend)." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new output until the stage's run ends (needs a single stage)." };
        var command = new Command("logs", "Print the stdout/stderr of a run's stages that ran on a backend; -f follows a running stage.")
        {
            run,
            stage,
            follow,
        };
        return new CliCommandDefinition(command, async context =>
        {
            var record = await RunArguments.ReadRecordAsync(context, run).ConfigureAwait(false);
            var selected = Select(record, context.Value(stage));
            if (context.Value(follow) && selected.Count != 1)
            {
                throw CliException.Usage($"--follow needs a single stage: run '{record.RunId}' has {selected.Count} stages with logs ({string.Join(", ", selected.Select(s => s.Stage))}); pass --stage");
            }

            foreach (var (name, backendRunId) in selected)
            {
                await PrintAsync(context, name, backendRunId, context.Value(follow), selected.Count > 1).ConfigureAwait(false);
            }

            return CliExitCodes.Success;
        });
    }

    private static List<(string Stage, string BackendRunId)> Select(PipelineRunRecord record, string? stageName)
    {
        if (stageName is not null)
        {
            var stage = record.GetStage(stageName)
                ?? throw CliException.NotFound($"run '{record.RunId}' has no stage '{stageName}' (its stages: {string.Join(", ", record.Stages.Select(s => s.Stage))})");
            return stage.BackendRunId is { } id
                ? [(stage.Stage, id)]
                : throw CliException.NotFound($"stage '{stageName}' of run '{record.RunId}' has no stored logs: it is {stage.Status} and ran {(stage.Backend is { } b ? $"on '{b}'" : "nowhere yet")} without a backend run (in-process stages write to the experiment's own console)");
        }

        var withLogs = record.Stages.Where(s => s.BackendRunId is not null).Select(s => (s.Stage, s.BackendRunId!)).ToList();
        return withLogs.Count > 0
            ? withLogs
            : throw CliException.NotFound($"run '{record.RunId}' has no stored stage logs: its stages ran on '{record.Backend}' without backend runs (in-process stages write to the experiment's own console)");
    }

    private static async Task PrintAsync(CliContext context, string stage, string backendRunId, bool follow, bool withHeaders)
    {
        var paths = new RunPaths(backendRunId);
        var reader = new RunLogReader(context.Storage, new RunLogReaderOptions { PollInterval = context.Environment.FollowInterval });
        if (withHeaders && !context.Console.Json)
        {
            await context.Console.WriteLineAsync($"==> stage {stage} (backend run {backendRunId}) <==").ConfigureAwait(false);
        }

        // Both streams are read at once so stderr is not held back behind a long-running stdout; one writer at a time.
        using var gate = new SemaphoreSlim(1, 1);
        await Task.WhenAll(
            PumpAsync(context, reader, paths, LogStream.Stdout, stage, "stdout", context.Console.Output, follow, gate),
            PumpAsync(context, reader, paths, LogStream.Stderr, stage, "stderr", context.Console.Error, follow, gate)).ConfigureAwait(false);
    }

    private static async Task PumpAsync(
        CliContext context, RunLogReader reader, RunPaths paths, LogStream stream, string stage, string name, TextWriter writer, bool follow, SemaphoreSlim gate)
    {
        // Control lines are recognised whole, so text is printed a line at a time: a chunk may end inside a line.
        var decoder = new UTF8Encoding(false).GetDecoder();
        var pending = new StringBuilder();
        await foreach (var chunk in reader.ReadChunksAsync(paths, stream, follow, cancellationToken: context.CancellationToken).ConfigureAwait(false))
        {
            var chars = new char[decoder.GetCharCount(chunk.Span, flush: false)];
            decoder.GetChars(chunk.Span, chars, flush: false);
            pending.Append(chars);
            var text = pending.ToString();
            var end = text.LastIndexOf('\n');
            if (end < 0)
            {
                continue;
            }

            pending.Clear().Append(text, end + 1, text.Length - end - 1);
            await WriteLinesAsync(context, stage, name, text[..end].Split('\n'), complete: true, writer, gate).ConfigureAwait(false);
        }

        if (pending.Length > 0)
        {
            await WriteLinesAsync(context, stage, name, [pending.ToString()], complete: false, writer, gate).ConfigureAwait(false);
        }
    }

    // complete: whether the lines ended with a line break (false for a stream's unterminated last line).
    private static async Task WriteLinesAsync(CliContext context, string stage, string stream, IEnumerable<string> lines, bool complete, TextWriter writer, SemaphoreSlim gate)
    {
        await gate.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        try
        {
            var text = new StringBuilder();
            foreach (var view in lines.Select(RunLogLineView.Of).Where(v => v.IsShown))
            {
                if (context.Console.Json)
                {
                    object entry = view switch
                    {
                        { Progress: { } progress } => new { stage, stream, progress },
                        { Level: { } level } => new { stage, stream, level, line = view.Text },
                        _ => new { stage, stream, line = view.Text },
                    };
                    await context.Console.WriteJsonLineAsync(entry).ConfigureAwait(false);
                }
                else
                {
                    text.Append(view.Render());
                    if (complete)
                    {
                        text.Append('\n');
                    }
                }
            }

            if (text.Length > 0)
            {
                await writer.WriteAsync(text.ToString()).ConfigureAwait(false);
                await writer.FlushAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
