using Google.Apis.Auth.OAuth2;

namespace Stagecraft.Gcp.Auth;

/// <summary>
/// Ways to obtain the credential Stagecraft's Google Cloud clients attach (as a bearer token, per request).
/// Every result is an <see cref="ITokenAccess"/> from Google.Apis.Auth, which refreshes its token itself.
/// </summary>
public static class GcpCredentials
{
    /// <summary>
    /// Application default credentials: <c>GOOGLE_APPLICATION_CREDENTIALS</c>, then gcloud's user credentials,
    /// then the metadata server on Compute Engine. Scoped to <paramref name="scopes"/> when the credential needs scopes.
    /// </summary>
    public static async Task<ITokenAccess> ApplicationDefaultAsync(IEnumerable<string>? scopes = null, CancellationToken cancellationToken = default)
    {
        var credential = await GoogleCredential.GetApplicationDefaultAsync(cancellationToken).ConfigureAwait(false);
        return Scoped(credential, scopes);
    }

    /// <summary>
    /// A service-account key file. The file must be of type <c>service_account</c>; other credential types are
    /// rejected rather than silently accepted (that is why <see cref="CredentialFactory"/> replaced the obsolete
    /// <c>GoogleCredential.FromFile</c> family: a credential file from an untrusted source could point token
    /// requests anywhere).
    /// </summary>
    public static async Task<ITokenAccess> FromServiceAccountKeyFileAsync(string path, IEnumerable<string>? scopes = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Service-account key file '{path}' does not exist.", path);
        }

        var credential = await CredentialFactory
            .FromFileAsync(path, JsonCredentialParameters.ServiceAccountCredentialType, cancellationToken)
            .ConfigureAwait(false);
        return Scoped(credential, scopes);
    }

    /// <summary>
    /// The VM's service account through the metadata server (honours <c>GCE_METADATA_HOST</c>, which the
    /// emulation harness uses to point it at a fake metadata server).
    /// </summary>
    public static ITokenAccess ComputeEngine() => new ComputeCredential();

    /// <summary>A fixed access token (for example from <c>gcloud auth print-access-token</c>); it is never refreshed.</summary>
    public static ITokenAccess FromAccessToken(string accessToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accessToken);
        return GoogleCredential.FromAccessToken(accessToken);
    }

    private static GoogleCredential Scoped(GoogleCredential credential, IEnumerable<string>? scopes) =>
        credential.IsCreateScopedRequired ? credential.CreateScoped(scopes ?? [GcpScopes.StorageReadWrite]) : credential;
}
