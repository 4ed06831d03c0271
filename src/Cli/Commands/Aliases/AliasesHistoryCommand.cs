using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;
using Stagecraft.Registry;

namespace Stagecraft.Cli.Commands.Aliases;

/// <summary><c>stagecraft aliases history ALIAS</c>: every move of the alias, in order.</summary>
internal static class AliasesHistoryCommand
{
    public static CliCommandDefinition Define()
    {
        var alias = new Argument<string>("ALIAS") { Description = "The alias (e.g. champion)." };
        var root = RegistryArguments.RegistryRoot();
        var command = new Command("history", "Every move of ALIAS: sequence, from, to, generation, when, who and why.") { alias, root };
        return new CliCommandDefinition(command, async context =>
        {
            var name = RegistryArguments.Alias(context.Value(alias));
            var registry = RegistryArguments.OpenRegistry(context, root);
            var moves = new List<AliasMove>();
            await foreach (var move in registry.GetAliasHistoryAsync(name, context.CancellationToken).ConfigureAwait(false))
            {
                moves.Add(move);
            }

            if (moves.Count == 0)
            {
                throw CliException.NotFound($"alias '{name}' has never been set (no history under {registry.Paths.AliasHistoryPrefix(name)})");
            }

            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(moves).ConfigureAwait(false);
                return CliExitCodes.Success;
            }

            var table = new CliTable("SEQ", "FROM", "TO", "GENERATION", "MOVED", "BY", "REASON");
            foreach (var move in moves)
            {
                table.Add(CliFormat.Number(move.Sequence), move.FromRunId ?? "(unset)", move.ToRunId ?? "(cleared)", CliFormat.Number(move.Generation), CliFormat.Time(move.MovedAt), move.MovedBy, move.Reason);
            }

            await context.Console.WriteTableAsync(table).ConfigureAwait(false);
            return CliExitCodes.Success;
        });
    }
}
