using System.CommandLine;
using Stagecraft.Cli.Hosting;

namespace Stagecraft.Cli.Commands.Cache;

/// <summary><c>stagecraft cache ...</c>: the stage cache (<c>pipelines/{pipeline}/cache/</c>).</summary>
internal static class CacheCommand
{
    public static Command Create(CliEnvironment environment) => new("cache", "Work with the stage cache.")
    {
        CacheInvalidateCommand.Create(environment),
    };
}
