using System.Globalization;

namespace Stagecraft.Snapshots;

/// <summary>A snapshot (being built or read) is bigger than a configured limit; reading stops as soon as the limit is passed.</summary>
public sealed class SnapshotLimitExceededException : SnapshotException
{
    public SnapshotLimitExceededException()
    {
    }

    public SnapshotLimitExceededException(string message)
        : base(message)
    {
    }

    public SnapshotLimitExceededException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="limitName">Which limit, e.g. <c>uncompressed size</c> or <c>file size of 'model.bin'</c>.</param>
    /// <param name="limit">The limit.</param>
    /// <param name="actual">The size that broke it (at least; reading stops early).</param>
    /// <param name="hint">What to change, e.g. the option name.</param>
    public SnapshotLimitExceededException(string limitName, long limit, long actual, string hint)
        : base(string.Create(CultureInfo.InvariantCulture, $"Snapshot {limitName} limit exceeded: {actual} > {limit}. {hint}"))
    {
        LimitName = limitName;
        Limit = limit;
        Actual = actual;
    }

    public string? LimitName { get; }

    public long Limit { get; }

    /// <summary>The size found (a lower bound when reading stopped at the limit).</summary>
    public long Actual { get; }
}
