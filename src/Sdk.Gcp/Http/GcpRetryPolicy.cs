using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Stagecraft.Gcp.Http;

/// <summary>
/// The one place that decides whether and when a request to a Google Cloud API is retried.
/// </summary>
/// <remarks>
/// Retryable failures are Google's list: HTTP 408, 429 and 5xx, connection failures (refused, reset,
/// response cut short) and attempt timeouts. They are retried only for idempotent requests — reads and
/// listings always, writes and deletes only when they carry a generation precondition — because
/// re-sending an unconditional write can overwrite a newer object written in between. Backoff is
/// truncated exponential with jitter; waiting goes through the injected <see cref="TimeProvider"/>.
/// </remarks>
internal sealed class GcpRetryPolicy
{
    private readonly GcpRetryOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public GcpRetryPolicy(GcpRetryOptions options, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public int MaxAttempts => _options.MaxAttempts;

    public TimeSpan AttemptTimeout => _options.AttemptTimeout;

    /// <summary>408, 429 and every 5xx.</summary>
    public static bool IsRetryableStatus(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || ((int)status >= 500 && (int)status <= 599);

    /// <summary>
    /// Connection-level failures and attempt timeouts. A cancellation the caller asked for is never transient.
    /// </summary>
    public static bool IsTransientException(Exception exception, CancellationToken callerToken) => exception switch
    {
        OperationCanceledException => !callerToken.IsCancellationRequested,
        TimeoutException => true,
        HttpRequestException { StatusCode: null } => true,
        HttpRequestException { StatusCode: { } status } => IsRetryableStatus(status),
        IOException or SocketException => true,
        _ => false,
    };

    /// <summary>True when a request that has failed <paramref name="failures"/> times may be tried again.</summary>
    public bool CanRetry(int failures) => failures < _options.MaxAttempts;

    /// <summary>The backoff before retry number <paramref name="failures"/> (1-based), honouring a server's Retry-After.</summary>
    public TimeSpan GetBackoff(int failures, TimeSpan? retryAfter = null)
    {
        var exponent = Math.Max(0, failures - 1);
        var ceiling = _options.InitialBackoff.TotalMilliseconds * Math.Pow(_options.BackoffMultiplier, exponent);
        var truncated = Math.Min(ceiling, _options.MaxBackoff.TotalMilliseconds);
        var jittered = truncated * (1.0 - (_options.JitterFraction * Random.Shared.NextDouble()));
        var delay = TimeSpan.FromMilliseconds(jittered);
        if (retryAfter is { } hint && hint > delay)
        {
            delay = hint < _options.MaxBackoff ? hint : _options.MaxBackoff;
        }

        return delay;
    }

    /// <summary>Waits the backoff for retry number <paramref name="failures"/> on the injected clock.</summary>
    public Task BackoffAsync(int failures, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var delay = GetBackoff(failures, retryAfter);
        return delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _timeProvider, cancellationToken);
    }

    /// <summary>
    /// One attempt: sends <paramref name="request"/> under the attempt timeout and returns either the response
    /// (any status) or the transient failure (a timeout as <see cref="TimeoutException"/>). With
    /// <paramref name="bufferContent"/> the whole body is read inside the attempt, so a connection cut in the
    /// middle of a JSON answer is a retryable failure like any other. Non-transient exceptions, including the
    /// caller's cancellation, propagate.
    /// </summary>
    public async Task<AttemptResult> SendOnceAsync(HttpClient client, HttpRequestMessage request, bool bufferContent, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(_options.AttemptTimeout);
        HttpResponseMessage? response = null;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);
            if (bufferContent)
            {
                await response.Content.LoadIntoBufferAsync(attempt.Token).ConfigureAwait(false);
            }

            return new AttemptResult(response, null);
        }
        catch (Exception ex) when (IsTransientException(ex, cancellationToken))
        {
            response?.Dispose();
            return new AttemptResult(null, ex is OperationCanceledException
                ? new TimeoutException($"{request.Method} {Redact(request.RequestUri)} did not answer within {_options.AttemptTimeout}.", ex)
                : ex);
        }
    }

    /// <summary>
    /// Sends a request built fresh for every attempt, retrying retryable failures when
    /// <paramref name="idempotent"/>. Returns the first non-retryable response, or the last response once
    /// retries are exhausted or not allowed; the caller maps error statuses. A connection failure on the last
    /// allowed attempt is rethrown (a timeout as <see cref="TimeoutException"/>). See
    /// <see cref="SendOnceAsync"/> for <paramref name="bufferContent"/>.
    /// </summary>
    public async Task<RetryOutcome> SendAsync(
        HttpClient client,
        Func<HttpRequestMessage> createRequest,
        bool idempotent,
        CancellationToken cancellationToken,
        bool bufferContent = false)
    {
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var request = createRequest();
            var (response, failure) = await SendOnceAsync(client, request, bufferContent, cancellationToken).ConfigureAwait(false);
            if (response is not null && !IsRetryableStatus(response.StatusCode))
            {
                return new RetryOutcome(response, failures + 1, failures > 0);
            }

            failures++;
            if (!idempotent || !CanRetry(failures))
            {
                if (response is not null)
                {
                    return new RetryOutcome(response, failures, failures > 1);
                }

                request.Dispose();
                GcpLog.GaveUp(_logger, request.Method, Redact(request.RequestUri), failures, idempotent, failure);
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure!).Throw();
            }

            var retryAfter = response?.Headers.RetryAfter?.Delta;
            GcpLog.Retrying(_logger, request.Method, Redact(request.RequestUri), failures, Describe(response), failure);
            response?.Dispose();
            request.Dispose();
            await BackoffAsync(failures, retryAfter, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static string Describe(HttpResponseMessage? response) =>
        response is null ? "no response" : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A URI without its query string, for logs (upload ids and page tokens stay out of them).</summary>
    internal static string Redact(Uri? uri) => uri is null ? "(none)" : uri.GetLeftPart(UriPartial.Path);
}

/// <summary>The response a retried request ended with.</summary>
/// <param name="Response">The final response (success or an error the caller maps).</param>
/// <param name="Attempts">How many attempts were made.</param>
/// <param name="EarlierAttemptFailed">
/// True when an earlier attempt failed without a definite answer: a write may then already have been
/// applied, so a 412 on the retry may be the echo of our own success.
/// </param>
internal readonly record struct RetryOutcome(HttpResponseMessage Response, int Attempts, bool EarlierAttemptFailed);

/// <summary>One attempt's result: a response (any status) or a transient failure.</summary>
internal readonly record struct AttemptResult(HttpResponseMessage? Response, Exception? Failure);
