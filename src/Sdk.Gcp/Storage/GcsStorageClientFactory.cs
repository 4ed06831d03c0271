using Google.Api.Gax;
using Google.Cloud.Storage.V1;
using Stagecraft.Gcp.Auth;

namespace Stagecraft.Gcp.Storage;

/// <summary>Builds the <see cref="StorageClient"/> a <see cref="GcsObjectStorage"/> owns, from its options.</summary>
internal static class GcsStorageClientFactory
{
    /// <summary>The JSON API's path under the API root.</summary>
    private const string JsonApiPath = "storage/v1/";

    public static StorageClient Create(GcsStorageOptions options, GcsEndpoint endpoint)
    {
        var builder = new StorageClientBuilder
        {
            // The endpoint was resolved already (explicit, STORAGE_EMULATOR_HOST or public), with the same rules.
            EmulatorDetection = EmulatorDetection.None,
        };

        if (endpoint.BaseUri != GcsEndpoint.DefaultBaseUri)
        {
            builder.BaseUri = endpoint.BaseUri.AbsoluteUri + JsonApiPath;
        }

        if (!endpoint.Authenticated)
        {
            // An emulator found through STORAGE_EMULATOR_HOST gets no credential, as with Google's own clients.
            builder.UnauthenticatedAccess = true;
        }
        else if (options.Credential is { } credential)
        {
            builder.Credential = TokenAccessCredential.From(credential);
        }

        var client = builder.Build();

        // One attempt's budget to send a request and receive its headers; a body streams past it.
        client.Service.HttpClient.Timeout = options.Retry.AttemptTimeout;
        return client;
    }

    /// <summary>The API root of a caller's client (its base URI without the JSON API path).</summary>
    public static Uri ApiRootOf(StorageClient client)
    {
        var baseUri = client.Service.BaseUri;
        var root = baseUri.EndsWith(JsonApiPath, StringComparison.Ordinal) ? baseUri[..^JsonApiPath.Length] : baseUri;
        return new Uri(root);
    }
}
