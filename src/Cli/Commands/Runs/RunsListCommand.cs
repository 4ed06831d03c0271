using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;
using Stagecraft.Pipelines;

namespace Stagecraft.Cli.Commands.Runs;

/// <summary><c>stagecraft runs list [--pipeline P] [--status S] [--since T]</c>: one line per run, newest first.</summary>
internal static class RunsListCommand
{
    public static CliCommandDefinition Define()
    {
        var pipeline = new Option<string>("--pipeline") { Description = "Only runs of this pipeline (its class name, exactly)." };
        var status = new Option<string>("--status") { Description = "Only runs with this status: running, succeeded, failed or cancelled." };
        var since = new Option<string>("--since") { Description = "Only runs started since then: an ISO 8601 time (2026-01-31T12:00Z) or an age (90m, 12h, 7d)." };
        var command = new Command("list", "One line per pipeline run: id, pipeline, status, attempt, start, duration, stages ran/cached/failed.")
        {
            pipeline,
            status,
            since,
        };
        return new CliCommandDefinition(command, async context =>
        {
            var query = new PipelineRunQuery
            {
                Pipeline = context.Value(pipeline) is { Length: > 0 } p ? p : null,
                Status = context.Value(status) is { } s ? ParseStatus(s) : null,
                Since = context.Value(since) is { } t ? CliInput.PointInTime("--since", t, DateTimeOffset.UtcNow) : null,
            };

            var runs = new List<RunSummary>();
            await foreach (var record in new PipelineRunCatalog(context.Storage).ListAsync(query, context.CancellationToken).ConfigureAwait(false))
            {
                runs.Add(RunSummary.Of(record));
            }

            runs.Sort((a, b) => b.StartedAt.CompareTo(a.StartedAt));
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(runs).ConfigureAwait(false);
                return CliExitCodes.Success;
            }

            var table = new CliTable("RUN", "PIPELINE", "STATUS", "ATTEMPT", "STARTED", "DURATION", "RAN", "CACHED", "FAILED");
            foreach (var run in runs)
            {
                table.Add(run.RunId, run.Pipeline, run.Status.ToString(), CliFormat.Number(run.Attempt), CliFormat.Time(run.StartedAt), CliFormat.Duration(run.Duration),
                    CliFormat.Number(run.StagesRan), CliFormat.Number(run.StagesCached), CliFormat.Number(run.StagesFailed));
            }

            await context.Console.WriteTableAsync(table).ConfigureAwait(false);
            return CliExitCodes.Success;
        });
    }

    internal static PipelineRunStatus ParseStatus(string text) =>
        Enum.TryParse<PipelineRunStatus>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsDigit(text[0])
            ? value
            : throw CliException.Usage($"invalid --status '{text}': it must be one of {string.Join(", ", Enum.GetNames<PipelineRunStatus>().Select(n => n.ToLowerInvariant()))}");
}
