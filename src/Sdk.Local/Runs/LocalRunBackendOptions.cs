using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Stagecraft.Local.Runs;

/// <summary>Options for <see cref="LocalRunBackend"/>.</summary>
public sealed record LocalRunBackendOptions
{
    /// <summary>
    /// Where run directories live on this machine (<c>{StateDirectory}/{runId}/{launchId}/</c>: supervisor pids, local logs,
    /// the exit code before it is published). A backend in a new process must use the same directory to recover runs.
    /// Defaults to <c>$XDG_STATE_HOME/stagecraft/local-runs</c> (or <c>~/.local/state/stagecraft/local-runs</c>).
    /// </summary>
    public string StateDirectory { get; init; } = DefaultStateDirectory();

    /// <summary>How often a monitored run's logs are shipped to storage (and its exit code looked for).</summary>
    public TimeSpan LogShipInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often followers poll local log files and status waiters poll status.</summary>
    public TimeSpan StatusPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Time between SIGTERM and SIGKILL, for <see cref="LocalRunBackend.TerminateAsync"/> and timeouts.</summary>
    public TimeSpan TerminationGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <see cref="LocalRunBackend.LaunchAsync"/> waits for the command to start.</summary>
    public TimeSpan LaunchTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether runs inherit this process's environment (then the spec's variables are added on top).</summary>
    public bool InheritEnvironment { get; init; } = true;

    /// <summary>The resource profile recorded for specs that name none (locally it is informational).</summary>
    public string DefaultResourceProfile { get; init; } = "local";

    /// <summary>Pids that terminating a run must never signal, in addition to this process and its ancestors.</summary>
    public IReadOnlyCollection<int> ProtectedProcessIds { get; init; } = [];

    /// <summary>
    /// Keeps pipeline worker processes warm per resource profile (<see cref="Stagecraft.WarmPool.WarmPoolOptions.Profiles"/>):
    /// a worker that finished its stage waits for the next one of its profile instead of exiting. Null (the default):
    /// every run is a fresh process and no pool document is written. Only for pipeline worker commands
    /// (<see cref="Stagecraft.Pipelines.PipelineRunner.RunWorkerIfRequestedAsync"/>), which ship each job's logs and exit code themselves.
    /// </summary>
    public Stagecraft.WarmPool.WarmPoolOptions? WarmPool { get; init; }

    /// <summary>How often an idle warm worker looks at its pool document, at most (at an eighth of it for a second after each job, then backing off to it); keep it below the ACK timeout.</summary>
    public TimeSpan WarmPoolPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The clock for launch timeouts, status polling and log shipping.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the backend logs launches, exits and recoveries.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    private static string DefaultStateDirectory()
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state))
        {
            state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(state, "stagecraft", "local-runs");
    }
}
