using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;
using Stagecraft.Gcp.Auth;
using Stagecraft.Gcp.Compute;
using Stagecraft.Local.Runs;
using Stagecraft.WarmPool;

namespace Stagecraft.Cli.Commands.Pool;

/// <summary>
/// <c>stagecraft pool cleanup --yes [--gce-project P --gce-zone Z…]</c>: the emergency stop
/// (<see cref="WarmPool.WarmPool.CleanupAsync"/>). Drains the pool, deletes the machine of every instance — running jobs
/// included — through the <see cref="IWarmInstanceHost"/> of its backend, and removes the documents. Without
/// <c>--yes</c> it changes nothing and says what it would delete. Local workers of this host are always deleted; an
/// instance whose backend has no host here (or a local worker of another host) keeps its machine and document and is
/// reported as a failure (exit 4).
/// </summary>
internal static class PoolCleanupCommand
{
    /// <summary>An OAuth access token for the Compute Engine API (e.g. from <c>gcloud auth print-access-token</c>); application default credentials when unset.</summary>
    public const string AccessTokenVariable = "STAGECRAFT_GCP_ACCESS_TOKEN";

    public static CliCommandDefinition Define()
    {
        var yes = new Option<bool>("--yes") { Description = "Confirm: delete every instance of the pool, including those running jobs." };
        var project = new Option<string>("--gce-project") { Description = "The Google Cloud project of the pool's Compute Engine VMs (needed to delete gce instances)." };
        var zones = new Option<string[]>("--gce-zone") { Description = "A zone the pool's VMs may be in (repeatable; an instance's recorded zone is tried alone).", AllowMultipleArgumentsPerToken = true };
        var endpoint = new Option<string>("--compute-endpoint") { Description = $"The Compute Engine API endpoint (default {GceRunBackendOptions.DefaultComputeEndpoint}, or an emulator's URL)." };
        var root = PoolArguments.PoolRoot();
        var command = new Command("cleanup", $"Emergency: drain the pool and delete every instance's machine and document, running jobs included. Needs --yes. gce instances need --gce-project and --gce-zone (token from ${AccessTokenVariable}, else application default credentials).")
        {
            yes,
            project,
            zones,
            endpoint,
            root,
        };
        return new CliCommandDefinition(command, async context =>
        {
            var pool = PoolArguments.OpenPool(context, root);
            using var gce = GceHost(context, context.Value(project), context.Value(zones) ?? [], context.Value(endpoint));
            if (!context.Value(yes))
            {
                var instances = await PoolArguments.ListAsync(context, pool, profile: null).ConfigureAwait(false);
                var running = instances.Count(i => i.State is WarmInstanceState.Running or WarmInstanceState.Claimed or WarmInstanceState.Launching);
                throw CliException.Usage(
                    $"pool cleanup deletes every instance of the pool {pool.Paths.Root} ({CliFormat.Number(instances.Count)} now, {CliFormat.Number(running)} of them running or starting a job) and stops their jobs; nothing was changed. Pass --yes to proceed, or use 'stagecraft pool drain' to let idle instances go by themselves");
            }

            // Local workers are processes on this host: always looked after (those of another host are reported as failures).
            IWarmInstanceHost[] hosts = gce is null ? [new LocalWarmInstanceHost()] : [gce, new LocalWarmInstanceHost()];
            var report = await pool.CleanupAsync(hosts, confirm: true, context.CancellationToken).ConfigureAwait(false);
            var failures = report.Failures.ToList();
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(new
                {
                    root = pool.Paths.Root,
                    actions = report.Actions.Select(a => new { a.Profile, a.InstanceId, StateBefore = a.StateBefore is { } s ? PoolListCommand.Word(s) : null, a.Kind, a.Reason }),
                    deletedMachines = report.DeletedMachines,
                    removedDocuments = report.RemovedDocuments,
                    failures = failures.Count,
                }).ConfigureAwait(false);
            }
            else
            {
                var table = new CliTable("PROFILE", "INSTANCE", "STATE BEFORE", "ACTION", "REASON");
                foreach (var action in report.Actions)
                {
                    table.Add(action.Profile, action.InstanceId, action.StateBefore is { } s ? PoolListCommand.Word(s) : null, action.Kind.ToString(), action.Reason);
                }

                await context.Console.WriteTableAsync(table).ConfigureAwait(false);
                await context.Console.WriteLineAsync(
                    $"{CliFormat.Number(report.DeletedMachines.Count())} machine(s) deleted, {CliFormat.Number(report.RemovedDocuments.Count())} document(s) removed, {CliFormat.Number(failures.Count)} failure(s); the pool {pool.Paths.Root} stays drained ('stagecraft pool drain --resume' ends that)").ConfigureAwait(false);
            }

            return failures.Count == 0
                ? CliExitCodes.Success
                : throw new CliException(
                    $"{CliFormat.Number(failures.Count)} instance(s) of pool {pool.Paths.Root} could not be cleaned up and keep their documents: "
                    + string.Join("; ", failures.Select(f => $"{f.InstanceId} ({f.Profile}): {f.Reason}"))
                    + (gce is null ? $" (instances on '{GceRunBackend.BackendName}' need --gce-project and --gce-zone)" : string.Empty));
        });
    }

    /// <summary>The Compute Engine host when a project is given; the pool's bucket must be the storage's (its VMs write there).</summary>
    private static GceWarmInstanceHost? GceHost(CliContext context, string? project, string[] zones, string? endpoint)
    {
        if (string.IsNullOrEmpty(project))
        {
            return zones.Length > 0 || endpoint is not null
                ? throw CliException.Usage("--gce-zone and --compute-endpoint need --gce-project")
                : null;
        }

        if (zones.Length == 0)
        {
            throw CliException.Usage($"--gce-project '{project}' needs at least one --gce-zone (the zones the pool's VMs may be in)");
        }

        var bucket = context.StorageLocation.Bucket
            ?? throw CliException.Usage($"--gce-project needs a gs:// storage: the pool of Compute Engine VMs lives in the bucket they use (got '{context.StorageLocation}')");
        Uri? computeEndpoint = null;
        if (endpoint is not null && (!Uri.TryCreate(endpoint, UriKind.Absolute, out computeEndpoint) || computeEndpoint.Scheme is not ("http" or "https")))
        {
            throw CliException.Usage($"invalid --compute-endpoint '{endpoint}': it must be an absolute http(s) URL");
        }

        var token = context.Environment.GetEnvironmentVariable(AccessTokenVariable);
        var options = new GceRunBackendOptions
        {
            Project = project,
            Zones = zones,
            Bucket = bucket,
            ComputeEndpoint = computeEndpoint ?? GceRunBackendOptions.DefaultComputeEndpoint,
            Credential = string.IsNullOrEmpty(token) ? null : GcpCredentials.FromAccessToken(token),
        };
        return CliInput.Check("--gce-project", project, () => new GceWarmInstanceHost(options));
    }
}
