using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Registry;

namespace Stagecraft.Cli.Commands.Aliases;

/// <summary>
/// <c>stagecraft aliases set ALIAS RUN --expect-generation G --reason R</c>: moves the alias by compare-and-swap; a
/// generation that is no longer current is a conflict (exit 3) and nothing changes.
/// </summary>
internal static class AliasesSetCommand
{
    public static CliCommandDefinition Define()
    {
        var alias = new Argument<string>("ALIAS") { Description = "The alias to move." };
        var run = new Argument<string>("RUN") { Description = "The run id of a registered model." };
        var expect = new Option<long>("--expect-generation") { Description = "The alias generation you read (aliases list; 0 = never set).", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (kept in the alias history).", Required = true };
        var root = RegistryArguments.RegistryRoot();
        var command = new Command("set", "Move ALIAS to RUN if the alias is still at --expect-generation (compare-and-swap); records --reason.")
        {
            alias,
            run,
            expect,
            reason,
            root,
        };
        return new CliCommandDefinition(command, async context =>
        {
            var name = RegistryArguments.Alias(context.Value(alias));
            var runId = CliInput.RunId(context.Value(run));
            var generation = context.Value(expect);
            if (generation < 0)
            {
                throw CliException.Usage($"invalid --expect-generation '{generation}': it must be 0 (never set) or a generation read from 'aliases list'");
            }

            var why = context.Value(reason);
            if (string.IsNullOrWhiteSpace(why))
            {
                throw CliException.Usage($"invalid --reason '{why}': it must not be empty");
            }

            var registry = RegistryArguments.OpenRegistry(context, root);
            AliasMove move;
            try
            {
                move = await registry.SetAliasAsync(name, runId, generation, why, context.CancellationToken).ConfigureAwait(false);
            }
            catch (AliasConflictException e)
            {
                throw CliException.Conflict($"{e.Message} Nothing changed; read it again with 'stagecraft aliases list' and decide again.", e);
            }

            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(move).ConfigureAwait(false);
            }
            else
            {
                await context.Console.WriteLineAsync($"{move.Alias}: {move.FromRunId ?? "(unset)"} -> {move.ToRunId}, generation {move.Generation}, move {move.Sequence}").ConfigureAwait(false);
            }

            return CliExitCodes.Success;
        });
    }
}
