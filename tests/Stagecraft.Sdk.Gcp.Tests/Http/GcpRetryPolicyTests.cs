using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.Gcp.Emulation.Time;
using Stagecraft.Gcp.Http;

namespace Stagecraft.Sdk.Gcp.Tests.Http;

public sealed class GcpRetryPolicyTests
{
    private static GcpRetryPolicy Policy(GcpRetryOptions? options = null, TimeProvider? time = null) =>
        new(options ?? new GcpRetryOptions(), time ?? new ImmediateTimeProvider(), NullLogger.Instance);

    [Theory]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(412, false)]
    [InlineData(416, false)]
    public void Retryable_statuses_are_408_429_and_5xx(int status, bool retryable) =>
        Assert.Equal(retryable, GcpRetryPolicy.IsRetryableStatus((HttpStatusCode)status));

    [Fact]
    public void Connection_failures_and_attempt_timeouts_are_transient_but_the_callers_cancellation_is_not()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.True(GcpRetryPolicy.IsTransientException(new HttpRequestException("reset"), CancellationToken.None));
        Assert.True(GcpRetryPolicy.IsTransientException(new HttpIOException(HttpRequestError.ResponseEnded), CancellationToken.None));
        Assert.True(GcpRetryPolicy.IsTransientException(new TaskCanceledException(), CancellationToken.None));
        Assert.False(GcpRetryPolicy.IsTransientException(new TaskCanceledException(), cancelled.Token));
        Assert.False(GcpRetryPolicy.IsTransientException(new InvalidOperationException(), CancellationToken.None));
    }

    [Fact]
    public void Backoff_grows_exponentially_and_is_truncated()
    {
        var policy = Policy(new GcpRetryOptions { JitterFraction = 0, InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(32) });

        var delays = Enumerable.Range(1, 8).Select(n => policy.GetBackoff(n).TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 16, 32, 32, 32], delays);
    }

    [Fact]
    public void Jitter_stays_within_the_configured_fraction_below_the_ceiling()
    {
        var policy = Policy(new GcpRetryOptions { JitterFraction = 0.5, InitialBackoff = TimeSpan.FromSeconds(4) });

        for (var i = 0; i < 200; i++)
        {
            Assert.InRange(policy.GetBackoff(1).TotalSeconds, 2.0, 4.0);
        }

        Assert.True(Enumerable.Range(0, 50).Select(_ => policy.GetBackoff(1)).Distinct().Count() > 1);
    }

    [Fact]
    public void Retry_after_from_the_server_is_honoured_up_to_the_maximum()
    {
        var policy = Policy(new GcpRetryOptions { JitterFraction = 0, MaxBackoff = TimeSpan.FromSeconds(10) });

        Assert.Equal(TimeSpan.FromSeconds(7), policy.GetBackoff(1, TimeSpan.FromSeconds(7)));
        Assert.Equal(TimeSpan.FromSeconds(10), policy.GetBackoff(1, TimeSpan.FromSeconds(60)));
        Assert.Equal(TimeSpan.FromSeconds(4), policy.GetBackoff(3, TimeSpan.FromMilliseconds(1)));
    }

    [Fact]
    public async Task Idempotent_request_is_retried_through_the_injected_clock_until_it_succeeds()
    {
        var time = new ImmediateTimeProvider();
        var policy = Policy(new GcpRetryOptions { JitterFraction = 0 }, time);
        using var client = new HttpClient(new ScriptedHandler(
            _ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
            _ => throw new HttpRequestException("connection reset"),
            _ => new HttpResponseMessage((HttpStatusCode)429) { Headers = { RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(9)) } },
            _ => new HttpResponseMessage(HttpStatusCode.OK)));

        var outcome = await policy.SendAsync(client, () => new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:1/x"), idempotent: true, CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, outcome.Response.StatusCode);
        Assert.Equal(4, outcome.Attempts);
        Assert.True(outcome.EarlierAttemptFailed);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(9)], time.RequestedDelays);
    }

    [Fact]
    public async Task Non_idempotent_request_gets_one_attempt_whatever_the_failure()
    {
        var time = new ImmediateTimeProvider();
        var policy = Policy(time: time);
        var handler = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        using var client = new HttpClient(handler);

        var outcome = await policy.SendAsync(client, () => new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:1/x"), idempotent: false, CancellationToken.None);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, outcome.Response.StatusCode);
        Assert.Equal(1, handler.Calls);
        Assert.Empty(time.RequestedDelays);

        var resetting = new ScriptedHandler(_ => throw new HttpRequestException("connection reset"));
        using var resetClient = new HttpClient(resetting);
        await Assert.ThrowsAsync<HttpRequestException>(() => policy.SendAsync(resetClient, () => new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:1/x"), idempotent: false, CancellationToken.None));
        Assert.Equal(1, resetting.Calls);
    }

    [Fact]
    public async Task Retries_stop_at_max_attempts_and_return_the_last_response()
    {
        var policy = Policy(new GcpRetryOptions { MaxAttempts = 3 });
        var handler = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.InternalServerError));
        using var client = new HttpClient(handler);

        var outcome = await policy.SendAsync(client, () => new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:1/x"), idempotent: true, CancellationToken.None);

        Assert.Equal(HttpStatusCode.InternalServerError, outcome.Response.StatusCode);
        Assert.Equal(3, handler.Calls);
        Assert.Equal(3, outcome.Attempts);
    }

    [Fact]
    public async Task Non_retryable_errors_return_at_once()
    {
        var handler = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.Forbidden));
        using var client = new HttpClient(handler);

        var outcome = await Policy().SendAsync(client, () => new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:1/x"), idempotent: true, CancellationToken.None);

        Assert.Equal(HttpStatusCode.Forbidden, outcome.Response.StatusCode);
        Assert.Equal(1, handler.Calls);
        Assert.False(outcome.EarlierAttemptFailed);
    }

    [Fact]
    public async Task An_attempt_that_hangs_times_out_and_is_retried()
    {
        var policy = Policy(new GcpRetryOptions { AttemptTimeout = TimeSpan.FromMilliseconds(200) });
        var handler = new ScriptedHandler(
            async (_, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return new HttpResponseMessage(HttpStatusCode.OK);
            },
            (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)));
        using var client = new HttpClient(handler);

        var outcome = await policy.SendAsync(client, () => new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:1/x"), idempotent: true, CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, outcome.Response.StatusCode);
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_retried()
    {
        using var cts = new CancellationTokenSource();
        var handler = new ScriptedHandler(async (_, ct) =>
        {
            await cts.CancelAsync();
            ct.ThrowIfCancellationRequested();
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        using var client = new HttpClient(handler);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Policy().SendAsync(client, () => new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:1/x"), idempotent: true, cts.Token));
        Assert.Equal(1, handler.Calls);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Invalid_options_are_rejected_naming_the_option(int maxAttempts)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Policy(new GcpRetryOptions { MaxAttempts = maxAttempts }));
        Assert.Equal("MaxAttempts", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy(new GcpRetryOptions { JitterFraction = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy(new GcpRetryOptions { InitialBackoff = TimeSpan.FromSeconds(10), MaxBackoff = TimeSpan.FromSeconds(1) }));
    }

    /// <summary>Answers the n-th request with the n-th script entry (the last one repeats).</summary>
    private sealed class ScriptedHandler : HttpMessageHandler
    {
        private readonly Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>[] _script;
        private int _calls;

        public ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] script) =>
            _script = [.. script.Select(f => (Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>)((r, _) => Task.FromResult(f(r))))];

        public ScriptedHandler(params Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>[] script) => _script = script;

        public int Calls => _calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _calls);
            return _script[Math.Min(n, _script.Length) - 1](request, cancellationToken);
        }
    }
}
