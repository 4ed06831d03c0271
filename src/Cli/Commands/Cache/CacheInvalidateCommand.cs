using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Pipelines;

namespace Stagecraft.Cli.Commands.Cache;

/// <summary><c>stagecraft cache invalidate PIPELINE STAGE</c>: forgets every cached output of one stage (its next run recomputes it).</summary>
internal static class CacheInvalidateCommand
{
    public static CliCommandDefinition Define()
    {
        var pipeline = new Argument<string>("PIPELINE") { Description = "The pipeline's name (its class name)." };
        var stage = new Argument<string>("STAGE") { Description = "The stage's name (its method name)." };
        var command = new Command("invalidate", "Forget every cached output of STAGE, so its next run recomputes it (and whatever its new output changes downstream).")
        {
            pipeline,
            stage,
        };
        return new CliCommandDefinition(command, async context =>
        {
            var (pipelineName, stageName) = (context.Value(pipeline), context.Value(stage));
            CliInput.Check("pipeline", pipelineName, () => PipelinePaths.CachePrefix(pipelineName));
            CliInput.Check("stage", stageName, () => PipelinePaths.StageCachePrefix(pipelineName, stageName));
            var runner = new PipelineRunner(new PipelineRunnerOptions { Storage = context.Storage });
            var removed = await runner.InvalidateCacheAsync(pipelineName, stageName, context.CancellationToken).ConfigureAwait(false);
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(new { pipeline = pipelineName, stage = stageName, removed }).ConfigureAwait(false);
            }
            else
            {
                await context.Console.WriteLineAsync($"removed {removed} cache entr{(removed == 1 ? "y" : "ies")} of {pipelineName}.{stageName} ({PipelinePaths.StageCachePrefix(pipelineName, stageName)})").ConfigureAwait(false);
            }

            return CliExitCodes.Success;
        });
    }
}
