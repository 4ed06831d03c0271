using System.CommandLine;
using Stagecraft.Cli.Commands.Aliases;
using Stagecraft.Cli.Commands.Cache;
using Stagecraft.Cli.Commands.Models;
using Stagecraft.Cli.Commands.Objects;
using Stagecraft.Cli.Commands.Reap;
using Stagecraft.Cli.Commands.Refs;
using Stagecraft.Cli.Commands.Runs;
using Stagecraft.Cli.Hosting;

namespace Stagecraft.Cli;

/// <summary>
/// The <c>stagecraft</c> command tree. Each command group lives in its own folder under <c>Commands/</c> and each
/// command in its own file; a new command is one file plus one line in its group.
/// </summary>
public static class StagecraftCli
{
    /// <summary>Builds the root command with every command group.</summary>
    public static RootCommand CreateRootCommand(CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var root = new RootCommand("Stagecraft: inspect and operate pipeline runs, caches, aliases, references and stored objects.");
        CliGlobalOptions.AddTo(root);
        root.Add(RunsCommand.Create(environment));
        root.Add(CacheCommand.Create(environment));
        root.Add(AliasesCommand.Create(environment));
        root.Add(ModelsCommand.Create(environment));
        root.Add(RefsCommand.Create(environment));
        root.Add(ObjectsCommand.Create(environment));
        root.Add(ReapCommand.Create(environment));
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the command, writing to the given writers.</summary>
    /// <returns>The exit code (see <see cref="CliExitCodes"/>).</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await CreateRootCommand(environment).Parse(args).InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Anything escaping the command tree is reported as a failure, never as a usage error.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return await CliErrors.ReportAsync(e, error).ConfigureAwait(false);
        }
    }
}
