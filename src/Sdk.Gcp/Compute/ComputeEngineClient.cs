using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Stagecraft.Gcp.Auth;
using Stagecraft.Gcp.Http;

namespace Stagecraft.Gcp.Compute;

/// <summary>
/// The few Compute Engine REST calls the run backend needs (instances insert/get/delete, zone operations wait), over
/// <see cref="HttpClient"/> with the shared <see cref="GcpRetryPolicy"/>. Every call here is idempotent: reads are, and
/// inserts and deletes carry a <c>requestId</c>, which the API deduplicates, so retrying a lost answer never creates a
/// second VM.
/// </summary>
internal sealed class ComputeEngineClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly GcpRetryPolicy _retry;
    private readonly GceRunBackendOptions _options;
    private readonly Uri _projectRoot;

    public ComputeEngineClient(GceRunBackendOptions options, ILogger logger)
    {
        _options = options;
        var credential = options.Credential;
        HttpMessageHandler handler = new BearerTokenHandler(
            ct => credential is not null ? Task.FromResult(credential) : GcpCredentials.ApplicationDefaultAsync([GcpScopes.CloudPlatform], ct),
            new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(30) });
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _retry = new GcpRetryPolicy(options.Retry, options.TimeProvider, logger);
        _projectRoot = new Uri(options.ComputeEndpoint, "compute/v1/projects/" + Uri.EscapeDataString(options.Project) + "/");
    }

    /// <summary>instances.insert; returns the operation (possibly already DONE, possibly with an error).</summary>
    public async Task<ComputeOperation> InsertInstanceAsync(string zone, JsonObject instance, string requestId, CancellationToken cancellationToken)
    {
        var body = instance.ToJsonString();
        using var response = await SendAsync(HttpMethod.Post, Zone(zone, "instances?requestId=" + Uri.EscapeDataString(requestId)), body, cancellationToken).ConfigureAwait(false);
        return ComputeOperation.Parse(await ReadOkAsync(response, cancellationToken).ConfigureAwait(false), zone);
    }

    /// <summary>instances.get; null when the instance does not exist.</summary>
    public async Task<JsonElement?> GetInstanceAsync(string zone, string name, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, Zone(zone, "instances/" + Uri.EscapeDataString(name)), null, cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadOkAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>instances.delete; null when the instance was already gone.</summary>
    public async Task<ComputeOperation?> DeleteInstanceAsync(string zone, string name, string requestId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, Zone(zone, "instances/" + Uri.EscapeDataString(name) + "?requestId=" + Uri.EscapeDataString(requestId)), null, cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.NotFound ? null : ComputeOperation.Parse(await ReadOkAsync(response, cancellationToken).ConfigureAwait(false), zone);
    }

    /// <summary>
    /// Waits until <paramref name="operation"/> is DONE. <c>operations.wait</c> may answer early with a still-running
    /// operation (it waits at most about two minutes), so this loops, pausing between calls.
    /// </summary>
    public async Task<ComputeOperation> WaitAsync(ComputeOperation operation, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.OperationTimeout);
        try
        {
            while (!operation.IsDone)
            {
                using var response = await SendAsync(HttpMethod.Post, Zone(operation.Zone, "operations/" + Uri.EscapeDataString(operation.Name) + "/wait"), null, deadline.Token).ConfigureAwait(false);
                operation = ComputeOperation.Parse(await ReadOkAsync(response, deadline.Token).ConfigureAwait(false), operation.Zone);
                if (!operation.IsDone)
                {
                    await Task.Delay(_options.OperationPollInterval, _options.TimeProvider, deadline.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ComputeEngineException($"Operation {operation.Name} in zone {operation.Zone} did not finish within {_options.OperationTimeout}.");
        }

        return operation;
    }

    public void Dispose() => _http.Dispose();

    private Uri Zone(string zone, string rest) => new(_projectRoot, "zones/" + Uri.EscapeDataString(zone) + "/" + rest);

    /// <summary>
    /// Sends with the shared retry policy, and also retries 403 <c>rateLimitExceeded</c>/<c>userRateLimitExceeded</c>
    /// with backoff: Compute Engine reports its per-project API rate limits that way (not as 429), and they pass.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, string? body, CancellationToken cancellationToken)
    {
        for (var failures = 1; ; failures++)
        {
            var response = await SendOnceWithRetryAsync(method, uri, body, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Forbidden || !_retry.CanRetry(failures))
            {
                return response;
            }

            var error = GoogleApiError.TryParse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            if (error?.Reason is not ("rateLimitExceeded" or "userRateLimitExceeded"))
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(_retry.GetBackoff(failures), _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<HttpResponseMessage> SendOnceWithRetryAsync(HttpMethod method, Uri uri, string? body, CancellationToken cancellationToken)
    {
        var outcome = await _retry.SendAsync(
            _http,
            () =>
            {
                var request = new HttpRequestMessage(method, uri);
                if (body is not null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
                }

                return request;
            },
            idempotent: true,
            cancellationToken,
            bufferContent: true).ConfigureAwait(false);
        return outcome.Response;
    }

    private static async Task<JsonElement> ReadOkAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var error = GoogleApiError.TryParse(text);
            var message = $"Compute Engine answered {(int)response.StatusCode} to {response.RequestMessage?.Method} {GcpRetryPolicy.Redact(response.RequestMessage?.RequestUri)}: {error?.Message ?? text}";
            throw new ComputeEngineException(message, error?.Reason, (int)response.StatusCode);
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
