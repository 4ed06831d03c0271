using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;
using Stagecraft.InFlight;
using Stagecraft.Local.Processes;
using Stagecraft.Local.Runs;

namespace Stagecraft.Cli.Commands.Reap;

/// <summary>
/// <c>stagecraft reap --registry FILE [--local-backend DIR]</c>: one <see cref="OrphanReaper"/> pass over an in-flight
/// registry on this machine — kills the process trees of hand-offs and of owners that are gone, never a protected pid,
/// and with <c>--local-backend</c> stops the local backend runs (stage workers) of coordinators that are gone.
/// </summary>
internal static class ReapCommand
{
    public const string RegistryVariable = "STAGECRAFT_INFLIGHT_REGISTRY";

    public static CliCommandDefinition Define()
    {
        var registry = new Option<FileInfo>("--registry") { Description = $"The in-flight registry file (default: ${RegistryVariable})." };
        var staleAfter = new Option<string>("--stale-after") { Description = "An owner whose heartbeat is older than this is gone (default 2m).", DefaultValueFactory = _ => "2m" };
        var grace = new Option<string>("--grace") { Description = "Time between SIGTERM and SIGKILL (default 5s).", DefaultValueFactory = _ => "5s" };
        var protect = new Option<int[]>("--protect") { Description = "A pid that must never be signalled (repeatable).", AllowMultipleArgumentsPerToken = true };
        var localBackend = new Option<DirectoryInfo>("--local-backend")
        {
            Description = "The local run backend's state directory: also stop the local backend runs (stage workers) of coordinators that are gone, through that backend over --storage.",
        };
        var command = new Command("reap", "Kill orphaned processes and stop orphaned backend runs recorded in an in-flight registry (hand-offs, owners that are gone); prints what was reaped and skipped.")
        {
            registry,
            staleAfter,
            grace,
            protect,
            localBackend,
        };
        return new CliCommandDefinition(command, async context =>
        {
            var path = context.Value(registry)?.FullName ?? context.Environment.GetEnvironmentVariable(RegistryVariable)
                ?? throw CliException.Usage($"no in-flight registry: pass --registry FILE or set {RegistryVariable}");
            if (!File.Exists(path))
            {
                throw CliException.NotFound($"in-flight registry '{path}' does not exist");
            }

            // The same reaper a runner start uses: backend runs go through their backend's TerminateAsync.
            await using var backend = context.Value(localBackend) is { } state
                ? new LocalRunBackend(context.Storage, new LocalRunBackendOptions { StateDirectory = state.FullName })
                : null;
            var options = new OrphanReaperOptions
            {
                StaleAfter = CliInput.Duration("--stale-after", context.Value(staleAfter)),
                GracePeriod = CliInput.Duration("--grace", context.Value(grace)),
                ProtectedProcessIds = context.Value(protect) ?? [],
                Backends = backend is null ? [] : [backend],
            };
            var report = await new OrphanReaper(new FileInFlightRegistryStore(path), new LinuxProcessTable(), options).ReapAsync(context.CancellationToken).ConfigureAwait(false);
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(new
                {
                    reaped = report.Reaped.Select(r => new { entry = r.Entry.ToString(), r.Process.Pid, process = r.Process.ToString() }),
                    skipped = report.Skipped.Select(s => new { entry = s.Entry.ToString(), s.Pid, s.Reason, s.Detail }),
                    terminatedRuns = report.TerminatedRuns.Select(t => new { entry = t.Entry.ToString(), t.Backend, t.RunId, status = t.Status?.ToString() }),
                    skippedRuns = report.SkippedRuns.Select(s => new { entry = s.Entry.ToString(), s.Backend, s.RunId, s.Reason, s.Detail }),
                    cleared = report.ClearedEntries.Select(e => e.ToString()),
                }).ConfigureAwait(false);
                return CliExitCodes.Success;
            }

            var table = new CliTable("ENTRY", "PID", "OUTCOME", "DETAIL");
            foreach (var reaped in report.Reaped)
            {
                table.Add(reaped.Entry.ToString(), CliFormat.Number(reaped.Process.Pid), "reaped", reaped.Process.CommandLine);
            }

            foreach (var skipped in report.Skipped)
            {
                table.Add(skipped.Entry.ToString(), CliFormat.Number(skipped.Pid), $"skipped: {skipped.Reason}", skipped.Detail);
            }

            foreach (var terminated in report.TerminatedRuns)
            {
                table.Add(terminated.Entry.ToString(), "-", "stopped", $"{terminated.Backend} run {terminated.RunId}: {terminated.Status?.ToString() ?? "never launched"}");
            }

            foreach (var skipped in report.SkippedRuns)
            {
                table.Add(skipped.Entry.ToString(), "-", $"skipped: {skipped.Reason}", $"{skipped.Backend} run {skipped.RunId}: {skipped.Detail}");
            }

            await context.Console.WriteTableAsync(table).ConfigureAwait(false);
            await context.Console.WriteLineAsync($"{report.Reaped.Count} reaped, {report.TerminatedRuns.Count} backend run(s) stopped, {report.Skipped.Count + report.SkippedRuns.Count} skipped, {report.ClearedEntries.Count} entr{(report.ClearedEntries.Count == 1 ? "y" : "ies")} cleared").ConfigureAwait(false);
            return CliExitCodes.Success;
        });
    }
}
