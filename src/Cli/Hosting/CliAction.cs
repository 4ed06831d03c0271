using System.CommandLine;

namespace Stagecraft.Cli.Hosting;

/// <summary>Runs a command's body with a <see cref="CliContext"/> and turns every exception into an error line and exit code.</summary>
internal static class CliAction
{
    public static Command WithAction(this Command command, CliEnvironment environment, Func<CliContext, Task<int>> body)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CliContext(parse, environment, cancellationToken);
            try
            {
                return await body(context).ConfigureAwait(false);
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
