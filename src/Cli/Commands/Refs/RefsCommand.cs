using System.CommandLine;
using Stagecraft.Cli.Hosting;

namespace Stagecraft.Cli.Commands.Refs;

/// <summary><c>stagecraft refs ...</c>: the reference store (warm cache of built artefacts).</summary>
internal static class RefsCommand
{
    public static Command Create(CliEnvironment environment) => new("refs", "Work with the reference store (the warm cache of built artefacts).")
    {
        RefsMergeCommand.Create(environment),
        RefsShowCommand.Create(environment),
    };
}
