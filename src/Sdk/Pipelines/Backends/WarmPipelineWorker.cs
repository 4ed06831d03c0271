using System.Globalization;
using Stagecraft.Runs;
using Stagecraft.Runs.Logs;
using Stagecraft.Telemetry;
using Stagecraft.WarmPool;

namespace Stagecraft.Pipelines;

/// <summary>
/// A pipeline worker that is a warm pool instance: it runs the stage it was launched for, then waits for the next
/// stage task (claim → job document → ACK) instead of exiting, until its idle timeout passes.
/// </summary>
/// <remarks>
/// Each job's output goes to files of its own and is shipped to that run's <see cref="RunPaths"/> with its exit code,
/// the first job's included, so no job's logs or exit code land in another run's paths (the process's own stdout
/// belongs to the launch that started it). A job runs with its own environment, set only while it runs, in its own
/// working directory. The transitions are the pool's (<see cref="WarmPool.WarmPool"/>): running → idle after a job,
/// claimed → running on an ACK, idle → deleting at the idle timeout; a document that says anything else makes the
/// worker leave the pool.
/// </remarks>
internal sealed class WarmPipelineWorker(PipelineRunner runner, WarmWorkerSettings settings)
{
    /// <summary>The exit code of a run stopped by its timeout (coreutils <c>timeout</c>'s, as on a cold run).</summary>
    private const int TimedOut = 124;

    /// <summary>The exit code of a run whose stage outlived its timeout and grace period (a KILL's, as on a cold run).</summary>
    private const int TimedOutKilled = 137;

    private readonly WarmPool.WarmPool _pool = new(runner.Storage, new WarmPoolOptions
    {
        Root = settings.Root,
        Profiles = new Dictionary<string, WarmPoolProfileOptions>(StringComparer.Ordinal) { [settings.Profile] = new() { IdleTimeout = settings.IdleTimeout } },
    });

    public async Task<int> RunAsync(string firstRunId, IReadOnlyList<PipelineGraph> graphs, CancellationToken cancellationToken)
    {
        var runId = firstRunId;
        var exit = await RunJobAsync(runId, settings.FirstJobTimeout, graphs, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            if (exit is null)
            {
                // The job outlived its timeout and the grace period: the stage still runs on a thread here, so this
                // process ends (as a cold run's would be killed) and leaves the pool; its exit code is published.
                return TimedOutKilled;
            }

            // The exit code is published before the instance turns idle (the pool's one order for every instance), so a
            // run's end is visible before its instance can be claimed again.
            if (await _pool.CompleteJobAsync(settings.Profile, settings.InstanceId, runId, exit, cancellationToken).ConfigureAwait(false) is null)
            {
                return exit.ExitCode; // the document no longer runs this job (reaped, cleaned up): leave the pool
            }

            if (await WaitForJobAsync(cancellationToken).ConfigureAwait(false) is not { } job)
            {
                return 0;
            }

            runId = job.RunId;
            using var activity = WarmPoolTelemetry.Source.StartActivity("WarmWorker.Job");
            activity?.SetTag(StagecraftTags.PoolInstance, settings.InstanceId);
            activity?.SetTag(StagecraftTags.RunId, runId);
            exit = await RunWithEnvironmentAsync(job.RunId, WarmWorkerJob.FromJson(job.Content.Span), graphs, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Looks at the instance's document with backoff until a claim is ACKed (its job) or the idle timeout retires it (null).</summary>
    private async Task<WarmJob?> WaitForJobAsync(CancellationToken cancellationToken)
    {
        using var activity = WarmPoolTelemetry.Source.StartActivity("WarmWorker.WaitForJob");
        activity?.SetTag(StagecraftTags.PoolInstance, settings.InstanceId);
        // A pipeline's next stage usually follows within moments of the last one's end: look often at first, then back off.
        var poll = new EagerPollDelay(settings.PollInterval / 8, settings.PollInterval, _pool.Options.TimeProvider);
        while (true)
        {
            if (await _pool.TryAcceptAsync(settings.Profile, settings.InstanceId, cancellationToken).ConfigureAwait(false) is { } job)
            {
                return job;
            }

            var current = await _pool.GetAsync(settings.Profile, settings.InstanceId, cancellationToken).ConfigureAwait(false);
            switch (current?.State)
            {
                case WarmInstanceState.Idle when _pool.Options.TimeProvider.GetUtcNow() - current.StateSince >= settings.IdleTimeout:
                    if (await _pool.RetireAsync(settings.Profile, settings.InstanceId, cancellationToken).ConfigureAwait(false) is not null)
                    {
                        return null;
                    }

                    continue; // claimed meanwhile: take that job
                case WarmInstanceState.Idle:
                    break;
                case WarmInstanceState.Claimed:
                    poll.Restart(); // its job document is on its way
                    break;
                default:
                    return null; // gone, deleting, or taken over by cleanup
            }

            await poll.DelayAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<RunExitRecord?> RunWithEnvironmentAsync(string runId, WarmWorkerJob job, IReadOnlyList<PipelineGraph> graphs, CancellationToken cancellationToken)
    {
        // Optional run variables a previous job may have set are cleared, as a cold launch's environment would not have them.
        var names = job.Environment.Keys.Concat([RunEnvironmentVariables.InputPrefix, RunEnvironmentVariables.SnapshotPath]).Distinct(StringComparer.Ordinal).ToArray();
        var previous = names.ToDictionary(n => n, Environment.GetEnvironmentVariable, StringComparer.Ordinal);
        var previousDirectory = Environment.CurrentDirectory;
        foreach (var name in names)
        {
            Environment.SetEnvironmentVariable(name, job.Environment.TryGetValue(name, out var value) ? value : null);
        }

        Directory.CreateDirectory(job.WorkingDirectory);
        Environment.CurrentDirectory = job.WorkingDirectory;
        try
        {
            return await RunJobAsync(runId, job.Timeout, graphs, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
            foreach (var (name, value) in previous)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    /// <summary>
    /// Runs one stage task with its output in files of its own, then ships them to its run's paths; returns its exit
    /// record. Past <paramref name="timeout"/> the stage is cancelled and the run ends timed out (124), as a cold run's
    /// command gets TERM from <c>timeout</c>; a stage still running a grace period later cannot be stopped here, so its
    /// exit code (137, timed out) is published, the instance leaves the pool, and null tells the caller to end the process.
    /// </summary>
    private async Task<RunExitRecord?> RunJobAsync(string runId, TimeSpan? timeout, IReadOnlyList<PipelineGraph> graphs, CancellationToken cancellationToken)
    {
        var stdoutPath = WarmWorkerSettings.JobLogPath(settings.LogDirectory, runId, LogStream.Stdout);
        var stderrPath = WarmWorkerSettings.JobLogPath(settings.LogDirectory, runId, LogStream.Stderr);
        var logDirectory = Path.GetDirectoryName(stdoutPath)!;
        Directory.CreateDirectory(logDirectory);
        var (stdout, stderr) = (Console.Out, Console.Error);
        RunExitRecord? exit;
        var outWriter = new StreamWriter(stdoutPath) { AutoFlush = true };
        await using (outWriter.ConfigureAwait(false))
        {
            var errWriter = new StreamWriter(stderrPath) { AutoFlush = true };
            await using (errWriter.ConfigureAwait(false))
            {
                Console.SetOut(outWriter);
                Console.SetError(errWriter);
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var stage = RunStageAsync(runId, graphs, errWriter, limit.Token);
                try
                {
                    if (timeout is not { } t || await CompletesWithinAsync(stage, t, cancellationToken).ConfigureAwait(false))
                    {
                        exit = new RunExitRecord(await stage.ConfigureAwait(false));
                    }
                    else
                    {
                        await errWriter.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Run '{runId}' timed out after {t}: its stage is cancelled.")).ConfigureAwait(false);
                        await limit.CancelAsync().ConfigureAwait(false);
                        if (await CompletesWithinAsync(stage, settings.TerminationGracePeriod, cancellationToken).ConfigureAwait(false))
                        {
                            await AwaitCancelledAsync(stage).ConfigureAwait(false);
                            exit = new RunExitRecord(TimedOut, RunExitReason.TimedOut);
                        }
                        else
                        {
                            await errWriter.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Run '{runId}' did not stop within {settings.TerminationGracePeriod} of its cancellation: the warm worker ends.")).ConfigureAwait(false);
                            exit = null;
                        }
                    }
                }
                finally
                {
                    Console.SetOut(stdout);
                    Console.SetError(stderr);
                }
            }
        }

        // Logs before the exit code (published by the caller), so a reader that sees the exit code also sees complete logs.
        var paths = new RunPaths(runId);
        await new RunLogShipper(runner.Storage, paths, LogStream.Stdout, stdoutPath).ShipAsync(cancellationToken).ConfigureAwait(false);
        await new RunLogShipper(runner.Storage, paths, LogStream.Stderr, stderrPath).ShipAsync(cancellationToken).ConfigureAwait(false);
        if (exit is null)
        {
            // Leaving first, then the exit code: a launcher never waits for this instance to turn idle (it never will).
            await _pool.LeaveAsync(settings.Profile, settings.InstanceId, runId, cancellationToken).ConfigureAwait(false);
            await RunExitPublisher.PublishAsync(runner.Storage, paths, new RunExitRecord(TimedOutKilled, RunExitReason.TimedOut), cancellationToken).ConfigureAwait(false);
            return null;
        }

        Directory.Delete(logDirectory, recursive: true);
        return exit;
    }

    private async Task<int> RunStageAsync(string runId, IReadOnlyList<PipelineGraph> graphs, StreamWriter errors, CancellationToken cancellationToken)
    {
        // Off the caller's context, so a stage that blocks its thread cannot hold up the timeout.
        await Task.Yield();
        try
        {
            return await new PipelineWorker(runner).RunAsync(runId, graphs, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The run's failure is its exit code and stderr; the instance goes on to the next job.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            await errors.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            return 1;
        }
    }

    private async Task<bool> CompletesWithinAsync(Task task, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var finished = await Task.WhenAny(task, Task.Delay(limit, _pool.Options.TimeProvider, stop.Token)).ConfigureAwait(false) == task;
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return finished;
    }

    private static async Task AwaitCancelledAsync(Task<int> stage)
    {
        try
        {
            await stage.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The timeout cancelled it: the run's end is the timeout, whatever the stage made of its cancellation.
        }
    }
}
