namespace Stagecraft.Gcp.Http;

/// <summary>
/// Truncated exponential backoff with jitter for requests to Google Cloud APIs. Which requests are retried
/// at all (408/429/5xx/connection failures, and only when the request is idempotent) is fixed by
/// <c>GcpRetryPolicy</c>; these options only shape how often and how long to wait.
/// </summary>
public sealed record GcpRetryOptions
{
    /// <summary>Total attempts per request, including the first (1 disables retries). Default 8.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>Backoff before the first retry. Default 1 s.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of a single backoff (the truncation). Default 32 s, as Google's clients use.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(32);

    /// <summary>Growth factor between consecutive backoffs. Default 2.</summary>
    public double BackoffMultiplier { get; init; } = 2.0;

    /// <summary>
    /// Fraction of each backoff that is randomised (0 = none, 1 = anywhere between 0 and the full backoff).
    /// Default 0.5, so concurrent clients that failed together do not retry together.
    /// </summary>
    public double JitterFraction { get; init; } = 0.5;

    /// <summary>
    /// Time allowed for one attempt to receive response headers (uploads: to send the body and receive headers).
    /// A timed-out attempt counts as a retryable failure. Default 2 minutes.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMinutes(2);

    internal void Validate()
    {
        if (MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "MaxAttempts must be at least 1 (1 = no retries).");
        }

        if (InitialBackoff < TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBackoff), MaxBackoff, $"Backoffs must satisfy 0 <= InitialBackoff ({InitialBackoff}) <= MaxBackoff ({MaxBackoff}).");
        }

        if (!(BackoffMultiplier >= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(BackoffMultiplier), BackoffMultiplier, "BackoffMultiplier must be at least 1.");
        }

        if (!(JitterFraction is >= 0.0 and <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(JitterFraction), JitterFraction, "JitterFraction must be between 0 and 1.");
        }

        if (AttemptTimeout <= TimeSpan.Zero && AttemptTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(AttemptTimeout), AttemptTimeout, "AttemptTimeout must be positive or Timeout.InfiniteTimeSpan.");
        }
    }
}
