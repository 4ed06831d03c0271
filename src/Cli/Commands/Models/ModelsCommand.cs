using System.CommandLine;
using Stagecraft.Cli.Hosting;

namespace Stagecraft.Cli.Commands.Models;

/// <summary><c>stagecraft models ...</c>: registered models.</summary>
internal static class ModelsCommand
{
    public static Command Create(CliEnvironment environment) => new("models", "Inspect registered models.")
    {
        ModelsShowCommand.Create(environment),
    };
}
