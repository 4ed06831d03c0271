namespace Stagecraft.Gcp.Storage;

/// <summary>Where requests go and whether they carry a credential.</summary>
/// <param name="BaseUri">The API root, always ending in <c>/</c>.</param>
/// <param name="Authenticated">False only for an emulator found through <c>STORAGE_EMULATOR_HOST</c>.</param>
internal sealed record GcsEndpoint(Uri BaseUri, bool Authenticated)
{
    public const string EmulatorHostVariable = "STORAGE_EMULATOR_HOST";

    public static readonly Uri DefaultBaseUri = new("https://storage.googleapis.com/");

    /// <summary>
    /// An explicit endpoint wins; otherwise <c>STORAGE_EMULATOR_HOST</c> (<c>host:port</c> or a full URL, as
    /// Google's clients accept) means "emulator, no auth"; otherwise the public endpoint.
    /// </summary>
    public static GcsEndpoint Resolve(GcsStorageOptions options, Func<string, string?> getEnvironmentVariable)
    {
        if (options.Endpoint is { } explicitEndpoint)
        {
            return new GcsEndpoint(WithTrailingSlash(explicitEndpoint), Authenticated: true);
        }

        if (options.DetectEmulator && getEnvironmentVariable(EmulatorHostVariable) is { Length: > 0 } host)
        {
            var text = host.Contains("://", StringComparison.Ordinal) ? host : "http://" + host;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var emulator) || (emulator.Scheme != Uri.UriSchemeHttp && emulator.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"{EmulatorHostVariable}='{host}' is not a host:port or http(s) URL.", nameof(options));
            }

            return new GcsEndpoint(WithTrailingSlash(emulator), Authenticated: false);
        }

        return new GcsEndpoint(DefaultBaseUri, Authenticated: true);
    }

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
