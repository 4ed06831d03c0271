using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;
using Stagecraft.WarmPool;

namespace Stagecraft.Cli.Commands.Pool;

/// <summary>
/// <c>stagecraft pool drain [--resume]</c>: stops every process sharing the pool from claiming or adding instances
/// (<see cref="WarmPool.WarmPool.DrainAsync"/>); idle instances delete themselves at their idle timeout and running ones
/// after their job and idle timeout. <c>--resume</c> ends a drain.
/// </summary>
internal static class PoolDrainCommand
{
    public static CliCommandDefinition Define()
    {
        var resume = new Option<bool>("--resume") { Description = "End a drain: launches claim and add instances again." };
        var root = PoolArguments.PoolRoot();
        var command = new Command("drain", "Stop claims and new instances for every process sharing the pool; idle instances then delete themselves at their idle timeout.")
        {
            resume,
            root,
        };
        return new CliCommandDefinition(command, async context =>
        {
            var pool = PoolArguments.OpenPool(context, root);
            var ending = context.Value(resume);
            if (ending)
            {
                await pool.ResumeAsync(context.CancellationToken).ConfigureAwait(false);
            }
            else
            {
                await pool.DrainAsync(context.CancellationToken).ConfigureAwait(false);
            }

            var instances = await PoolArguments.ListAsync(context, pool, profile: null).ConfigureAwait(false);
            var byState = instances.GroupBy(i => i.State).ToDictionary(g => g.Key, g => g.Count());
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(new
                {
                    root = pool.Paths.Root,
                    draining = !ending,
                    instances = byState.ToDictionary(s => PoolListCommand.Word(s.Key), s => s.Value),
                }).ConfigureAwait(false);
                return CliExitCodes.Success;
            }

            var counts = instances.Count == 0
                ? "no instances"
                : string.Join(", ", byState.OrderBy(s => s.Key).Select(s => $"{CliFormat.Number(s.Value)} {PoolListCommand.Word(s.Key)}"));
            await context.Console.WriteLineAsync(ending
                ? $"pool {pool.Paths.Root} resumed: launches claim and add instances again ({counts})"
                : $"pool {pool.Paths.Root} draining: no claims and no new instances; idle instances delete themselves at their idle timeout, running ones after their job ({counts})").ConfigureAwait(false);
            return CliExitCodes.Success;
        });
    }
}
