namespace Stagecraft.Gcp.Auth;

/// <summary>OAuth scopes Stagecraft asks for.</summary>
public static class GcpScopes
{
    /// <summary>Read and write Cloud Storage objects (enough for <c>GcsObjectStorage</c>).</summary>
    public const string StorageReadWrite = "https://www.googleapis.com/auth/devstorage.read_write";

    /// <summary>Everything the principal's IAM roles allow (needed for Compute Engine).</summary>
    public const string CloudPlatform = "https://www.googleapis.com/auth/cloud-platform";
}
