namespace Stagecraft.Runs.Logs;

/// <summary>Options for <see cref="RunLogReader"/>.</summary>
public sealed record RunLogReaderOptions
{
    /// <summary>How long a following reader waits before looking for the next chunk again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The clock used for waiting.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
