using System.CommandLine;
using System.Globalization;
using Stagecraft.Local.Storage;
using Stagecraft.References;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Cli.Commands.Refs;

/// <summary>
/// <c>stagecraft refs merge --run &lt;id&gt; --kind &lt;kind&gt; --root &lt;dir&gt; --storage &lt;dir&gt;</c>: merges the
/// references a run's workers uploaded back into the local reference root and prints the report.
/// </summary>
internal static class RefsMergeCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "The run id.", Required = true };
        var kind = new Option<string>("--kind") { Description = "The reference kind (one path segment, e.g. schema_otf).", Required = true };
        var root = new Option<DirectoryInfo>("--root") { Description = "The local reference root to merge into.", Required = true };
        var storage = new Option<DirectoryInfo>("--storage") { Description = "The local object storage directory holding the run.", Required = true };

        var command = new Command("merge", "Merge references uploaded back by a run's workers into the local cache; prints merged, SKIPPED and ignored.")
        {
            run,
            kind,
            root,
            storage,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetRequiredValue(run),
            parse.GetRequiredValue(kind),
            parse.GetRequiredValue(root),
            parse.GetRequiredValue(storage),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string runId, string kind, DirectoryInfo root, DirectoryInfo storageDirectory, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (RunId.Explain(runId) is { } badRun)
        {
            await error.WriteLineAsync($"error: invalid run id '{runId}': {badRun}.").ConfigureAwait(false);
            return CliExitCodes.UsageError;
        }

        if (!storageDirectory.Exists)
        {
            await error.WriteLineAsync($"error: nothing could be read: storage directory '{storageDirectory.FullName}' does not exist.").ConfigureAwait(false);
            return CliExitCodes.NothingRead;
        }

        MergeReport report;
        try
        {
            var storage = new LocalObjectStorage(storageDirectory.FullName);
            report = await new PostRunMerger(storage).MergeAsync(runId, kind, root.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return CliExitCodes.UsageError;
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: nothing could be read: {e.Message}").ConfigureAwait(false);
            return CliExitCodes.NothingRead;
        }

        await WriteReportAsync(report, new RunPaths(runId).MergeReport, output).ConfigureAwait(false);
        if (report.SlicesRead == 0)
        {
            await error.WriteLineAsync($"error: nothing could be read: no complete upload under {new RunPaths(runId).PostRunKind(kind)}.").ConfigureAwait(false);
            return CliExitCodes.NothingRead;
        }

        return CliExitCodes.Success;
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
