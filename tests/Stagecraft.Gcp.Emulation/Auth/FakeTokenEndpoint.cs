using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Stagecraft.Gcp.Emulation.Hosting;

namespace Stagecraft.Gcp.Emulation.Auth;

/// <summary>
/// Hands out access tokens the way Google does, on a loopback port: the OAuth token endpoint
/// (<c>POST /token</c>, used by service-account key files through their <c>token_uri</c>) and the metadata
/// server's token path (<c>GET /computeMetadata/v1/instance/service-accounts/default/token</c> with
/// <c>Metadata-Flavor: Google</c>, used by <c>ComputeCredential</c> through <c>GCE_METADATA_HOST</c>).
/// Tokens are <c>{prefix}-{n}</c>, so tests can tell which grant produced the token a request carried.
/// </summary>
public sealed class FakeTokenEndpoint : IAsyncDisposable
{
    public const string MetadataTokenPath = "/computeMetadata/v1/instance/service-accounts/default/token";

    private readonly ConcurrentQueue<string> _grants = new();
    private LoopbackHost? _host;
    private int _issued;

    private FakeTokenEndpoint(string tokenPrefix) => TokenPrefix = tokenPrefix;

    public string TokenPrefix { get; }

    /// <summary>The base URI (for <c>token_uri</c> use <see cref="TokenUri"/>; for <c>GCE_METADATA_HOST</c> use <see cref="HostAndPort"/>).</summary>
    public Uri BaseUri => _host?.BaseUri ?? throw new InvalidOperationException("Not started.");

    public Uri TokenUri => new(BaseUri, "token");

    public string HostAndPort => BaseUri.Authority;

    /// <summary>The grant of every token issued: <c>jwt-bearer</c> (key file) or <c>metadata</c>.</summary>
    public IReadOnlyList<string> Grants => [.. _grants];

    public static async Task<FakeTokenEndpoint> StartAsync(string tokenPrefix = "issued", CancellationToken cancellationToken = default)
    {
        var endpoint = new FakeTokenEndpoint(tokenPrefix);
        endpoint._host = await LoopbackHost.StartAsync(endpoint.HandleAsync, cancellationToken).ConfigureAwait(false);
        return endpoint;
    }

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task HandleAsync(HttpContext context)
    {
        string grant;
        if (context.Request.Method == "POST" && context.Request.Path == "/token")
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" || string.IsNullOrEmpty(form["assertion"]))
            {
                context.Response.StatusCode = 400;
                await context.Response.WriteAsJsonAsync(new { error = "invalid_grant", error_description = "expected a jwt-bearer assertion" }).ConfigureAwait(false);
                return;
            }

            grant = "jwt-bearer";
        }
        else if (context.Request.Method == "GET" && context.Request.Path == MetadataTokenPath)
        {
            if (context.Request.Headers["Metadata-Flavor"] != "Google")
            {
                context.Response.StatusCode = 403;
                return;
            }

            grant = "metadata";
        }
        else
        {
            context.Response.StatusCode = 404;
            return;
        }

        _grants.Enqueue(grant);
        var token = $"{TokenPrefix}-{Interlocked.Increment(ref _issued)}";
        context.Response.Headers["Metadata-Flavor"] = "Google";
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["access_token"] = token,
            ["expires_in"] = 3600,
            ["token_type"] = "Bearer",
        })).ConfigureAwait(false);
    }
}
