using System.CommandLine;
using Stagecraft.Cli.Commands.Aliases;
using Stagecraft.Cli.Commands.Cache;
using Stagecraft.Cli.Commands.Models;
using Stagecraft.Cli.Commands.Objects;
using Stagecraft.Cli.Commands.Pool;
using Stagecraft.Cli.Commands.Reap;
using Stagecraft.Cli.Commands.Refs;
using Stagecraft.Cli.Commands.Runs;
using Stagecraft.Cli.Hosting;

namespace Stagecraft.Cli;

/// <summary>
/// The <c>stagecraft</c> command tree. Each command lives in its own file under <c>Commands/{group}/</c> and defines
/// its arguments, own options and body; <see cref="Commands"/> is the one place that registers it, with its group and
/// the common options it takes.
/// </summary>
public static class StagecraftCli
{
    private static readonly CliCommandGroup Runs = new("runs", "List, inspect, tail and cancel pipeline runs.");
    private static readonly CliCommandGroup Cache = new("cache", "Work with the stage cache and prune old runs and the content only they used.");
    private static readonly CliCommandGroup Aliases = new("aliases", "List, trace and move model-registry aliases.");
    private static readonly CliCommandGroup Models = new("models", "Inspect registered models.");
    private static readonly CliCommandGroup Refs = new("refs", "Work with the reference store (the warm cache of built artefacts).");
    private static readonly CliCommandGroup Objects = new("objects", "Read stored objects: content, listings and metadata.");
    private static readonly CliCommandGroup Pool = new("pool", "Look after the warm pool: list its instances, drain it, delete everything in an emergency.");

    /// <summary>Every command, in help order: its group (null: top level), its definition, and the common options it takes.</summary>
    private static readonly CliRegistration[] Commands =
    [
        new(Runs, RunsListCommand.Define, CliCommonOptions.Storage),
        new(Runs, RunsShowCommand.Define, CliCommonOptions.Storage),
        new(Runs, RunsLogsCommand.Define, CliCommonOptions.Storage),
        new(Runs, RunsCancelCommand.Define, CliCommonOptions.Storage),
        new(Runs, RunsResumeCommand.Define, CliCommonOptions.Storage),
        new(Cache, CacheInvalidateCommand.Define, CliCommonOptions.Storage),
        new(Cache, CachePruneCommand.Define, CliCommonOptions.Storage),
        new(Aliases, AliasesListCommand.Define, CliCommonOptions.Storage),
        new(Aliases, AliasesHistoryCommand.Define, CliCommonOptions.Storage),
        new(Aliases, AliasesSetCommand.Define, CliCommonOptions.Storage),
        new(Models, ModelsShowCommand.Define, CliCommonOptions.Storage),
        new(Refs, RefsMergeCommand.Define, CliCommonOptions.Storage),
        new(Refs, RefsShowCommand.Define, CliCommonOptions.None),
        new(Objects, ObjectsCatCommand.Define, CliCommonOptions.Storage),
        new(Objects, ObjectsLsCommand.Define, CliCommonOptions.Storage),
        new(Objects, ObjectsStatCommand.Define, CliCommonOptions.Storage),
        new(Pool, PoolListCommand.Define, CliCommonOptions.Storage),
        new(Pool, PoolDrainCommand.Define, CliCommonOptions.Storage),
        new(Pool, PoolCleanupCommand.Define, CliCommonOptions.Storage),
        new(null, ReapCommand.Define, CliCommonOptions.Storage),
    ];

    /// <summary>Builds the root command with every registered command.</summary>
    public static RootCommand CreateRootCommand(CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var root = new RootCommand("Stagecraft: inspect and operate pipeline runs, caches, aliases, references, stored objects and the warm pool.");
        var groups = new Dictionary<CliCommandGroup, Command>();
        foreach (var registration in Commands)
        {
            var command = registration.Build(environment);
            if (registration.Group is not { } group)
            {
                root.Add(command);
                continue;
            }

            if (!groups.TryGetValue(group, out var parent))
            {
                parent = new Command(group.Name, group.Description);
                groups.Add(group, parent);
                root.Add(parent);
            }

            parent.Add(command);
        }

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
