using System.CommandLine;
using Stagecraft.Cli.Hosting;

namespace Stagecraft.Cli.Commands.Runs;

/// <summary><c>stagecraft runs ...</c>: pipeline runs and their records.</summary>
internal static class RunsCommand
{
    public static Command Create(CliEnvironment environment) => new("runs", "List, inspect, tail and cancel pipeline runs.")
    {
        RunsListCommand.Create(environment),
        RunsShowCommand.Create(environment),
        RunsLogsCommand.Create(environment),
        RunsCancelCommand.Create(environment),
        RunsResumeCommand.Create(environment),
    };
}
