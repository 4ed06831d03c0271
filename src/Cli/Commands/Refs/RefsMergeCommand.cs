using System.CommandLine;
using System.Globalization;
using Stagecraft.Cli.Hosting;
using Stagecraft.References;
using Stagecraft.Runs;

namespace Stagecraft.Cli.Commands.Refs;

/// <summary>
/// <c>stagecraft refs merge --run &lt;id&gt; --kind &lt;kind&gt; --root &lt;dir&gt; [--storage S]</c>: merges the
/// references a run's workers uploaded back into the local reference root and prints the report.
/// </summary>
internal static class RefsMergeCommand
{
    public static CliCommandDefinition Define()
    {
        var run = new Option<string>("--run") { Description = "The run id.", Required = true };
        var kind = new Option<string>("--kind") { Description = "The reference kind (one path segment, e.g. schema_otf).", Required = true };
        var root = new Option<DirectoryInfo>("--root") { Description = "The local reference root to merge into.", Required = true };
        var command = new Command("merge", "Merge references uploaded back by a run's workers (from any storage) into the local cache; prints merged, SKIPPED and ignored.")
        {
            run,
            kind,
            root,
        };
        return new CliCommandDefinition(command, async context =>
        {
            var runId = CliInput.RunId(context.Value(run));
            var kindName = context.Value(kind);
            var paths = new ReferencePaths(runId);
            var kindPrefix = CliInput.Check("--kind", kindName, () => paths.PostRunKind(kindName));
            var report = await new PostRunMerger(context.Storage).MergeAsync(runId, kindName, context.Value(root).FullName, context.CancellationToken).ConfigureAwait(false);
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(report).ConfigureAwait(false);
            }
            else
            {
                await WriteReportAsync(report, paths.MergeReport, context.Console.Output).ConfigureAwait(false);
            }

            return report.SlicesRead == 0
                ? throw CliException.NotFound($"nothing could be read: no complete upload under {kindPrefix} in {context.StorageLocation}")
                : CliExitCodes.Success;
        });
    }

    /// <summary>One line per merged key, one SKIPPED line per skipped key, then the ignored-shard count and details.</summary>
    internal static async Task WriteReportAsync(MergeReport report, string reportKey, TextWriter output)
    {
        foreach (var merged in report.MergedKeys)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"merged {merged.Key}: {merged.FileCount} files, fingerprint {merged.Fingerprint}, from {string.Join(", ", merged.Shards)}")).ConfigureAwait(false);
        }

        foreach (var skipped in report.SkippedKeys)
        {
            await output.WriteLineAsync($"SKIPPED {skipped.Key}: {skipped.Reason}").ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"ignored shards: {report.IgnoredShards.Count}")).ConfigureAwait(false);
        foreach (var ignored in report.IgnoredShards)
        {
            var where = ignored.Key is null ? ignored.Shard : $"{ignored.Shard}/{ignored.Key}";
            await output.WriteLineAsync($"  {where}: {ignored.Reason}").ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{report.MergedKeys.Count} merged, {report.SkippedKeys.Count} skipped; report: {reportKey}")).ConfigureAwait(false);
    }
}
