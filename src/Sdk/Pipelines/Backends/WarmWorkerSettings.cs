using System.Globalization;
using Stagecraft.Runs;

namespace Stagecraft.Pipelines;

/// <summary>
/// How a backend tells a pipeline worker it is a warm pool instance (environment variables set at its cold launch):
/// its pool, profile and instance id, how long it stays idle, how often it looks for a job, and where it keeps each
/// job's log files until they are shipped.
/// </summary>
public sealed record WarmWorkerSettings
{
    /// <summary>The pool's root in storage (<see cref="Stagecraft.WarmPool.WarmPoolOptions.Root"/>).</summary>
    public const string RootVariable = "STAGECRAFT_WARM_POOL_ROOT";

    public const string ProfileVariable = "STAGECRAFT_WARM_POOL_PROFILE";

    public const string InstanceIdVariable = "STAGECRAFT_WARM_POOL_INSTANCE";

    public const string IdleTimeoutVariable = "STAGECRAFT_WARM_POOL_IDLE_TIMEOUT_MS";

    public const string PollIntervalVariable = "STAGECRAFT_WARM_POOL_POLL_INTERVAL_MS";

    public const string LogDirectoryVariable = "STAGECRAFT_WARM_POOL_LOG_DIRECTORY";

    public const string FirstJobTimeoutVariable = "STAGECRAFT_WARM_POOL_FIRST_JOB_TIMEOUT_MS";

    public const string TerminationGracePeriodVariable = "STAGECRAFT_WARM_POOL_GRACE_MS";

    public required string Root { get; init; }

    public required string Profile { get; init; }

    public required string InstanceId { get; init; }

    public required TimeSpan IdleTimeout { get; init; }

    /// <summary>The longest wait between two looks at the instance's document while idle.</summary>
    public required TimeSpan PollInterval { get; init; }

    /// <summary>An absolute directory for the jobs' log files (one subdirectory per run, removed once shipped).</summary>
    public required string LogDirectory { get; init; }

    /// <summary>
    /// The timeout of the run the worker was started for (its first job); later jobs bring theirs in their job document.
    /// The process itself has none: it outlives its first job.
    /// </summary>
    public TimeSpan? FirstJobTimeout { get; init; }

    /// <summary>How long a job cancelled by its timeout may take to stop before the worker ends (the backend's termination grace period).</summary>
    public TimeSpan TerminationGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The variables that carry these settings to the worker.</summary>
    public IReadOnlyDictionary<string, string> ToEnvironment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [RootVariable] = Root,
            [ProfileVariable] = Profile,
            [InstanceIdVariable] = InstanceId,
            [IdleTimeoutVariable] = Milliseconds(IdleTimeout),
            [PollIntervalVariable] = Milliseconds(PollInterval),
            [LogDirectoryVariable] = LogDirectory,
            [TerminationGracePeriodVariable] = Milliseconds(TerminationGracePeriod),
        };
        if (FirstJobTimeout is { } timeout)
        {
            environment[FirstJobTimeoutVariable] = Milliseconds(timeout);
        }

        return environment;

        // At least 1 ms: a zero would read as "not set".
        static string Milliseconds(TimeSpan value) => Math.Max(1, (long)Math.Ceiling(value.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Where a warm worker keeps <paramref name="stream"/> of run <paramref name="runId"/> until it ships it (one directory
    /// per run under <paramref name="logDirectory"/>); a backend that stops the worker mid-job ships what is there.
    /// </summary>
    public static string JobLogPath(string logDirectory, string runId, LogStream stream) =>
        Path.Combine(logDirectory, RunId.Validate(runId), stream == LogStream.Stdout ? "stdout.log" : "stderr.log");

    /// <summary>The settings from this process's environment, or null when it was not started as a warm instance.</summary>
    /// <exception cref="InvalidOperationException">The instance id is set but another setting is missing or invalid.</exception>
    public static WarmWorkerSettings? FromEnvironment()
    {
        if (Environment.GetEnvironmentVariable(InstanceIdVariable) is not { Length: > 0 } instanceId)
        {
            return null;
        }

        return new WarmWorkerSettings
        {
            Root = Required(RootVariable),
            Profile = Required(ProfileVariable),
            InstanceId = instanceId,
            IdleTimeout = Milliseconds(IdleTimeoutVariable),
            PollInterval = Milliseconds(PollIntervalVariable),
            LogDirectory = Required(LogDirectoryVariable),
            FirstJobTimeout = Environment.GetEnvironmentVariable(FirstJobTimeoutVariable) is { Length: > 0 } ? Milliseconds(FirstJobTimeoutVariable) : null,
            TerminationGracePeriod = Environment.GetEnvironmentVariable(TerminationGracePeriodVariable) is { Length: > 0 } ? Milliseconds(TerminationGracePeriodVariable) : TimeSpan.FromSeconds(10),
        };

        static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{InstanceIdVariable} is set but {name} is not: a warm worker needs all of its pool settings.");

        static TimeSpan Milliseconds(string name) => long.TryParse(Required(name), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : throw new InvalidOperationException($"{name} must be a positive whole number of milliseconds.");
    }
}
