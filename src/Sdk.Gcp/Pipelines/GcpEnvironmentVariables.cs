namespace Stagecraft.Gcp.Pipelines;

/// <summary>
/// The environment variables that configure a pipeline on Google Cloud (<see cref="GcpPipelineOptions.FromEnvironment"/>).
/// The user sets them on the laptop; the Compute Engine backend sets the same names for every worker on a VM, so one
/// <c>Main</c> opens the same bucket on both.
/// </summary>
public static class GcpEnvironmentVariables
{
    /// <summary>The project VMs are created in.</summary>
    public const string Project = "STAGECRAFT_GCP_PROJECT";

    /// <summary>Zones in fallback order, comma-separated (e.g. <c>us-central1-a,us-central1-b</c>).</summary>
    public const string Zones = "STAGECRAFT_GCP_ZONES";

    /// <summary>The bucket holding outputs, cache, run records, logs and bundles.</summary>
    public const string Bucket = "STAGECRAFT_GCP_BUCKET";

    /// <summary>
    /// Which credential to use: unset for application default credentials, <see cref="MetadataServerCredential"/> for
    /// the VM's service account through the metadata server (what workers on VMs use).
    /// </summary>
    public const string Credentials = "STAGECRAFT_GCP_CREDENTIALS";

    /// <summary>The Cloud Storage API root (unset: Google's). On a VM, <c>STORAGE_EMULATOR_HOST</c> wins, as in the startup script.</summary>
    public const string StorageEndpoint = "STAGECRAFT_GCS_ENDPOINT";

    /// <summary>
    /// A fixed OAuth access token (for example from <c>gcloud auth print-access-token</c>) used for both APIs instead of
    /// application default credentials; it is never refreshed. Ignored when <see cref="Credentials"/> selects the metadata server.
    /// </summary>
    public const string AccessToken = "STAGECRAFT_GCP_ACCESS_TOKEN";

    /// <summary>The Compute Engine API root (unset: Google's), for a private endpoint or an emulator.</summary>
    public const string ComputeEndpoint = "STAGECRAFT_GCE_ENDPOINT";

    /// <summary>The coordinator's local state directory (<see cref="GcpPipelineOptions.StateDirectory"/>); unset: per user and project.</summary>
    public const string StateDirectory = "STAGECRAFT_GCP_STATE_DIRECTORY";

    /// <summary>The value of <see cref="Credentials"/> that selects the metadata server.</summary>
    public const string MetadataServerCredential = "metadata";
}
