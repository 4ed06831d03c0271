using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Pipelines;
using Stagecraft.Runs;

namespace Stagecraft.Cli.Commands.Runs;

/// <summary>The <c>RUN</c> argument and reading the record it names.</summary>
internal static class RunArguments
{
    public static Argument<string> Run() => new("RUN") { Description = "The pipeline run id." };

    /// <exception cref="CliException">Usage: not a run id. Not found: no pipeline record.</exception>
    public static async Task<PipelineRunRecord> ReadRecordAsync(CliContext context, Argument<string> run)
    {
        var runId = CliInput.RunId(context.Value(run));
        return await new PipelineRunCatalog(context.Storage).TryGetAsync(runId, context.CancellationToken).ConfigureAwait(false)
            ?? throw CliException.NotFound($"run '{runId}' has no pipeline record ({PipelinePaths.PipelineRecord(runId)} does not exist in {context.StorageLocation})");
    }
}
