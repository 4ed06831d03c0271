using System.CommandLine;

namespace Stagecraft.Cli.Hosting;

/// <summary>
/// One line of the tool's command table (<see cref="StagecraftCli"/>): the group a command belongs to (null: top
/// level), how it is defined, and the common options it takes. Building it attaches those options and runs the body
/// with a <see cref="CliContext"/>, turning every exception into an error line and an exit code.
/// </summary>
internal sealed record CliRegistration(CliCommandGroup? Group, Func<CliCommandDefinition> Define, CliCommonOptions Common)
{
    public Command Build(CliEnvironment environment)
    {
        var definition = Define();
        var command = definition.Command;
        var json = CliGlobalOptions.Json();
        command.Add(json);
        Option<string>? storage = null;
        if (Common.HasFlag(CliCommonOptions.Storage))
        {
            storage = CliGlobalOptions.Storage();
            command.Add(storage);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CliContext(parse, environment, json, storage, cancellationToken);
            try
            {
                return await definition.Body(context).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The CLI's last line of defence: every failure becomes an error line and an exit code.
            catch (Exception e)
#pragma warning restore CA1031
            {
                return await CliErrors.ReportAsync(e, context.Console.Error).ConfigureAwait(false);
            }
        });
        return command;
    }
}
