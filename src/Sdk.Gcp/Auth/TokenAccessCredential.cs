using System.Net.Http.Headers;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Http;

namespace Stagecraft.Gcp.Auth;

/// <summary>
/// Lets any <see cref="ITokenAccess"/> (what <see cref="GcpCredentials"/> hands out) authorise Google's generated
/// clients, which take an <see cref="ICredential"/>: the token is fetched per attempt, so a retry after an expiry
/// carries the refreshed one.
/// </summary>
internal sealed class TokenAccessCredential(ITokenAccess tokenAccess) : ICredential, IHttpExecuteInterceptor
{
    /// <summary>The credential itself when it already is one, else an adapter.</summary>
    public static ICredential From(ITokenAccess tokenAccess) =>
        tokenAccess as ICredential ?? new TokenAccessCredential(tokenAccess);

    public void Initialize(ConfigurableHttpClient httpClient) => httpClient.MessageHandler.AddExecuteInterceptor(this);

    public Task<string> GetAccessTokenForRequestAsync(string? authUri = null, CancellationToken cancellationToken = default) =>
        tokenAccess.GetAccessTokenForRequestAsync(authUri, cancellationToken);

    public async Task InterceptAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var audience = request.RequestUri is { } uri ? uri.GetLeftPart(UriPartial.Authority) + "/" : null;
        var token = await tokenAccess.GetAccessTokenForRequestAsync(audience, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }
}
