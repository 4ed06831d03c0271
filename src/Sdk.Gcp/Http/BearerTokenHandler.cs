using System.Net.Http.Headers;
using Google.Apis.Auth.OAuth2;

namespace Stagecraft.Gcp.Http;

/// <summary>
/// Attaches <c>Authorization: Bearer</c> to every attempt of every request. It sits inside the retry loop,
/// so a retry after a token expiry picks up the refreshed token, and it resolves the credential lazily,
/// so constructing a client never blocks on application-default discovery.
/// </summary>
internal sealed class BearerTokenHandler : DelegatingHandler
{
    private readonly Func<CancellationToken, Task<ITokenAccess>> _resolve;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ITokenAccess? _credential;

    public BearerTokenHandler(Func<CancellationToken, Task<ITokenAccess>> resolveCredential, HttpMessageHandler innerHandler)
        : base(innerHandler)
    {
        _resolve = resolveCredential ?? throw new ArgumentNullException(nameof(resolveCredential));
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var credential = _credential ?? await ResolveAsync(cancellationToken).ConfigureAwait(false);
        var audience = request.RequestUri is { } uri ? uri.GetLeftPart(UriPartial.Authority) + "/" : null;
        var token = await credential.GetAccessTokenForRequestAsync(audience, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    private async Task<ITokenAccess> ResolveAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _credential ??= await _resolve(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
        }

        base.Dispose(disposing);
    }
}
