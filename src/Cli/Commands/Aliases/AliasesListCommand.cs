using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;
using Stagecraft.Registry;

namespace Stagecraft.Cli.Commands.Aliases;

/// <summary><c>stagecraft aliases list</c>: every alias, where it points and at which generation.</summary>
internal static class AliasesListCommand
{
    public static CliCommandDefinition Define()
    {
        var root = RegistryArguments.RegistryRoot();
        var command = new Command("list", "Every alias: the run it points at, its pointer generation (for --expect-generation) and move count.") { root };
        return new CliCommandDefinition(command, async context =>
        {
            var registry = RegistryArguments.OpenRegistry(context, root);
            var aliases = new List<AliasResolution>();
            await foreach (var alias in registry.ListAliasesAsync(context.CancellationToken).ConfigureAwait(false))
            {
                aliases.Add(alias);
            }

            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(aliases).ConfigureAwait(false);
                return CliExitCodes.Success;
            }

            var table = new CliTable("ALIAS", "RUN", "GENERATION", "MOVES");
            foreach (var alias in aliases)
            {
                table.Add(alias.Alias, alias.RunId ?? "(cleared)", CliFormat.Number(alias.Generation), CliFormat.Number(alias.Sequence));
            }

            await context.Console.WriteTableAsync(table).ConfigureAwait(false);
            return CliExitCodes.Success;
        });
    }
}
