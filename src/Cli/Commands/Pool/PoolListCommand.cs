using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;
using Stagecraft.WarmPool;

namespace Stagecraft.Cli.Commands.Pool;

/// <summary><c>stagecraft pool list [--profile P]</c>: every instance of the warm pool with its state, current run and idle time.</summary>
internal static class PoolListCommand
{
    public static CliCommandDefinition Define()
    {
        var profile = new Option<string>("--profile") { Description = "Only instances of this resource profile." };
        var root = PoolArguments.PoolRoot();
        var command = new Command("list", "Every warm-pool instance: profile, backend, state, the run it runs or is claimed for, idle since, location, jobs done, launched.")
        {
            profile,
            root,
        };
        return new CliCommandDefinition(command, async context =>
        {
            var pool = PoolArguments.OpenPool(context, root);
            var only = context.Value(profile) is { Length: > 0 } given ? CliInput.Check("--profile", given, () => WarmPoolNames.ValidateProfile(given)) : null;
            var instances = await PoolArguments.ListAsync(context, pool, only).ConfigureAwait(false);
            var draining = await pool.IsDrainingAsync(context.CancellationToken).ConfigureAwait(false);
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(new
                {
                    root = pool.Paths.Root,
                    draining,
                    instances = instances.Select(i => new
                    {
                        i.InstanceId,
                        i.Profile,
                        i.Backend,
                        State = Word(i.State),
                        CurrentRun = CurrentRun(i),
                        LastRun = i.State == WarmInstanceState.Idle ? i.RunId : null,
                        IdleSince = i.State == WarmInstanceState.Idle ? i.StateSince : (DateTimeOffset?)null,
                        i.StateSince,
                        i.Location,
                        i.Jobs,
                        i.LaunchedAt,
                    }),
                }).ConfigureAwait(false);
                return CliExitCodes.Success;
            }

            var table = new CliTable("INSTANCE", "PROFILE", "BACKEND", "STATE", "CURRENT RUN", "IDLE SINCE", "LOCATION", "JOBS", "LAUNCHED");
            foreach (var i in instances)
            {
                table.Add(
                    i.InstanceId,
                    i.Profile,
                    i.Backend,
                    Word(i.State),
                    CurrentRun(i),
                    i.State == WarmInstanceState.Idle ? CliFormat.Time(i.StateSince) : null,
                    i.Location,
                    CliFormat.Number(i.Jobs),
                    CliFormat.Time(i.LaunchedAt));
            }

            await context.Console.WriteTableAsync(table).ConfigureAwait(false);
            await context.Console.WriteLineAsync(
                $"{CliFormat.Number(instances.Count)} instance{(instances.Count == 1 ? string.Empty : "s")} in {pool.Paths.Root}{(draining ? "; the pool is draining (no claims, no new instances)" : string.Empty)}").ConfigureAwait(false);
            return CliExitCodes.Success;
        });
    }

    /// <summary>The run the instance runs, is claimed for or launches for; an idle or deleting instance has none.</summary>
    private static string? CurrentRun(WarmInstance instance) =>
        instance.State is WarmInstanceState.Running or WarmInstanceState.Claimed or WarmInstanceState.Launching ? instance.RunId : null;

    /// <summary>The state as the documents and the docs write it.</summary>
    internal static string Word(WarmInstanceState state) => state.ToString().ToLowerInvariant();
}
