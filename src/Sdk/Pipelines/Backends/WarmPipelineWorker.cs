using Stagecraft.Runs;
using Stagecraft.Runs.Logs;
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
    private readonly WarmPool.WarmPool _pool = new(runner.Storage, new WarmPoolOptions
    {
        Root = settings.Root,
        Profiles = new Dictionary<string, WarmPoolProfileOptions>(StringComparer.Ordinal) { [settings.Profile] = new() { IdleTimeout = settings.IdleTimeout } },
    });

    public async Task<int> RunAsync(string firstRunId, IReadOnlyList<PipelineGraph> graphs, CancellationToken cancellationToken)
    {
        var runId = firstRunId;
        var exitCode = await RunJobAsync(runId, graphs, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            // Idle before the exit code is published: a coordinator that sees this stage end and launches the next one
            // finds this worker idle instead of starting another. Its logs are stored; its exit code follows before any
            // next job is accepted, and a worker that dies in between leaves the run lost, as any dead worker does.
            var completed = await _pool.CompleteJobAsync(settings.Profile, settings.InstanceId, runId, cancellationToken).ConfigureAwait(false);
            await RunExitPublisher.PublishAsync(runner.Storage, new RunPaths(runId), new RunExitRecord(exitCode), cancellationToken).ConfigureAwait(false);
            if (completed is null)
            {
                return exitCode; // the document no longer runs this job (reaped, cleaned up): leave the pool
            }

            if (await WaitForJobAsync(cancellationToken).ConfigureAwait(false) is not { } job)
            {
                return 0;
            }

            runId = job.RunId;
            exitCode = await RunWithEnvironmentAsync(job.RunId, WarmWorkerJob.FromJson(job.Content.Span), graphs, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Looks at the instance's document with backoff until a claim is ACKed (its job) or the idle timeout retires it (null).</summary>
    private async Task<WarmJob?> WaitForJobAsync(CancellationToken cancellationToken)
    {
        var shortest = settings.PollInterval / 8;
        var delay = shortest;
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
                    delay = shortest; // its job document is on its way
                    break;
                default:
                    return null; // gone, deleting, or taken over by cleanup
            }

            await Task.Delay(delay, _pool.Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            delay = delay * 2 < settings.PollInterval ? delay * 2 : settings.PollInterval;
        }
    }

    private async Task<int> RunWithEnvironmentAsync(string runId, WarmWorkerJob job, IReadOnlyList<PipelineGraph> graphs, CancellationToken cancellationToken)
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
            return await RunJobAsync(runId, graphs, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Runs one stage task with its output in files of its own, then ships them to its run's paths; returns its exit code.</summary>
    private async Task<int> RunJobAsync(string runId, IReadOnlyList<PipelineGraph> graphs, CancellationToken cancellationToken)
    {
        var logDirectory = Path.Combine(settings.LogDirectory, runId);
        Directory.CreateDirectory(logDirectory);
        var stdoutPath = Path.Combine(logDirectory, "stdout.log");
        var stderrPath = Path.Combine(logDirectory, "stderr.log");
        var (stdout, stderr) = (Console.Out, Console.Error);
        int exitCode;
        var outWriter = new StreamWriter(stdoutPath) { AutoFlush = true };
        await using (outWriter.ConfigureAwait(false))
        {
            var errWriter = new StreamWriter(stderrPath) { AutoFlush = true };
            await using (errWriter.ConfigureAwait(false))
            {
                Console.SetOut(outWriter);
                Console.SetError(errWriter);
                try
                {
                    exitCode = await new PipelineWorker(runner).RunAsync(runId, graphs, cancellationToken).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The run's failure is its exit code and stderr; the instance goes on to the next job.
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    await errWriter.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
                    exitCode = 1;
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
        Directory.Delete(logDirectory, recursive: true);
        return exitCode;
    }
}
