using System.CommandLine;
using Stagecraft.Cli.Commands.Refs;

namespace Stagecraft.Cli;

/// <summary>The <c>stagecraft</c> command tree. Each command group lives in its own folder under <c>Commands/</c>.</summary>
public static class StagecraftCli
{
    /// <summary>Builds the root command with every command group.</summary>
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("Stagecraft: typed, cached, crash-safe ML experiment pipelines.");
        root.Add(RefsCommand.Create());
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the command, writing to the given writers.</summary>
    /// <returns>The exit code (see <see cref="CliExitCodes"/>).</returns>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return CreateRootCommand().Parse(args).InvokeAsync(configuration, cancellationToken);
    }
}
