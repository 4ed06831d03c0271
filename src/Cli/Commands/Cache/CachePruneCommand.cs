using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;
using Stagecraft.Pipelines;

namespace Stagecraft.Cli.Commands.Cache;

/// <summary>
/// <c>stagecraft cache prune [--older-than T] [--keep-latest N] [--pipeline P] [--grace D] [--keep-cache-entries] [--dry-run]</c>:
/// <see cref="PipelineRunner.PruneAsync"/> — removes old runs, the cache entries only they used and the content nothing
/// references any more; progress on stderr, what was removed (or would be, with <c>--dry-run</c>) on stdout.
/// </summary>
internal static class CachePruneCommand
{
    public static CliCommandDefinition Define()
    {
        var olderThan = new Option<string>("--older-than") { Description = "Remove runs started before then: an ISO 8601 time (2026-01-31T12:00Z) or an age (90m, 12h, 30d)." };
        var keepLatest = new Option<int?>("--keep-latest") { Description = "Keep the newest N runs of each pipeline and remove the older ones." };
        var pipeline = new Option<string>("--pipeline") { Description = "Only runs and cache entries of this pipeline (its class name)." };
        var grace = new Option<string>("--grace") { Description = "Never remove content stored more recently than this (runs storing outputs have not published their references yet).", DefaultValueFactory = _ => "1h" };
        var keepEntries = new Option<bool>("--keep-cache-entries") { Description = "Keep the cache entries written by removed runs (and the content they reference)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Remove nothing: print what a prune would remove now." };
        var command = new Command("prune", "Remove runs older than --older-than or beyond the newest --keep-latest per pipeline, the cache entries only they used, and content nothing references (never a run whose owner is alive).")
        {
            olderThan,
            keepLatest,
            pipeline,
            grace,
            keepEntries,
            dryRun,
        };
        return new CliCommandDefinition(command, async context =>
        {
            var options = Options(context, olderThan, keepLatest, pipeline, grace, keepEntries, dryRun);
            var runner = new PipelineRunner(new PipelineRunnerOptions { Storage = context.Storage });
            var result = await runner.PruneAsync(options, context.CancellationToken).ConfigureAwait(false);
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(result).ConfigureAwait(false);
                return CliExitCodes.Success;
            }

            var verb = result.DryRun ? "would remove" : "removed";
            foreach (var run in result.RemovedRuns)
            {
                var abandoned = result.AbandonedRuns.Contains(run) ? " (abandoned: recorded Running, its owner is gone)" : string.Empty;
                await context.Console.WriteLineAsync($"{verb} run {run}{abandoned}").ConfigureAwait(false);
            }

            await context.Console.WriteLineAsync(
                $"{(result.DryRun ? "dry run: " : string.Empty)}{verb} {Count(result.RemovedRuns.Length, "run")}, {Count(result.RemovedCacheEntries, "cache entry", "cache entries")} and "
                + $"{Count(result.RemovedContentObjects, "content object")} ({CliFormat.Number(result.RemovedContentBytes)} bytes); "
                + $"{Count(result.KeptRuns, "run")} kept, {Count(result.UnreferencedContentKept, "unreferenced object")} kept as younger than {CliFormat.Duration(options.ContentGracePeriod)}").ConfigureAwait(false);
            return CliExitCodes.Success;
        });
    }

    private static PruneOptions Options(
        CliContext context, Option<string> olderThan, Option<int?> keepLatest, Option<string> pipeline, Option<string> grace, Option<bool> keepEntries, Option<bool> dryRun)
    {
        var cutoff = context.Value(olderThan) is { } text ? CliInput.PointInTime("--older-than", text, DateTimeOffset.UtcNow) : (DateTimeOffset?)null;
        var keep = context.Value(keepLatest);
        if (cutoff is null && keep is null)
        {
            throw CliException.Usage("cache prune needs a rule: pass --older-than, --keep-latest or both (without one no run would be chosen)");
        }

        if (keep is < 0)
        {
            throw CliException.Usage($"invalid --keep-latest '{keep}': it must be 0 or more");
        }

        string? name = null;
        if (context.Value(pipeline) is { Length: > 0 } given)
        {
            CliInput.Check("--pipeline", given, () => PipelinePaths.CachePrefix(given));
            name = given;
        }

        return new PruneOptions
        {
            OlderThan = cutoff,
            KeepLatest = keep,
            Pipeline = name,
            ContentGracePeriod = CliInput.Duration("--grace", context.Value(grace)),
            RemoveCacheEntriesOfRemovedRuns = !context.Value(keepEntries),
            DryRun = context.Value(dryRun),
            Progress = new CliProgress<PruneProgress>(context.Console.Error, Describe),
        };
    }

    private static string Describe(PruneProgress progress) =>
        $"prune: {progress.Phase switch
        {
            PrunePhase.ReadingRuns => "reading run records",
            PrunePhase.RemovingRuns => "removing runs",
            PrunePhase.RemovingCacheEntries => "checking cache entries",
            PrunePhase.MarkingReferences => "marking referenced content",
            PrunePhase.SweepingContent => "removing unreferenced content",
            _ => progress.Phase.ToString(),
        }} {CliFormat.Number(progress.Completed)}{(progress.Total is { } total ? "/" + CliFormat.Number(total) : string.Empty)}";

    private static string Count(int count, string one, string? many = null) =>
        $"{CliFormat.Number(count)} {(count == 1 ? one : many ?? one + "s")}";
}
