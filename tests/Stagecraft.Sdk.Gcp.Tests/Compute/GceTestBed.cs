using Stagecraft.Gcp.Auth;
using Stagecraft.Gcp.Compute;
using Stagecraft.Gcp.Emulation.Compute;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Gcp.Http;
using Stagecraft.Gcp.Storage;
using Stagecraft.Sdk.Gcp.Tests.Storage;
using Stagecraft.Storage;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Gcp.Tests.Compute;

/// <summary>The full emulation harness: fake GCS, fake Compute whose VMs run the generated startup scripts, and backend factories.</summary>
public sealed class GceTestBed : IAsyncDisposable
{
    public const string ComputeToken = "compute-token";

    private GceTestBed(FakeGcsServer gcs, FakeComputeServer compute, TempDirectory sandbox, string computeToken)
    {
        Gcs = gcs;
        Compute = compute;
        Sandbox = sandbox;
        ComputeAccessToken = computeToken;
    }

    /// <summary>The bearer token the fake Compute requires.</summary>
    public string ComputeAccessToken { get; }

    public FakeGcsServer Gcs { get; }

    public FakeComputeServer Compute { get; }

    public TempDirectory Sandbox { get; }

    /// <param name="computeToken">The token the fake Compute requires (pass <see cref="GcsTestBed.Token"/> for one credential serving both APIs, as application default credentials do).</param>
    public static async Task<GceTestBed> StartAsync(string computeToken = ComputeToken)
    {
        var sandbox = new TempDirectory("gce-vms");
        var gcs = await FakeGcsServer.StartAsync(new FakeGcsOptions { Buckets = [GcsTestBed.Bucket], RequiredBearerToken = GcsTestBed.Token });
        var compute = await FakeComputeServer.StartAsync(new FakeComputeOptions
        {
            RequiredBearerToken = computeToken,
            VmAccessToken = GcsTestBed.Token,
            StorageEndpoint = gcs.Endpoint,
            SandboxRoot = sandbox.Path,
            ShutdownGracePeriod = TimeSpan.FromSeconds(5),
            MaxOperationWait = TimeSpan.FromMilliseconds(300),
        });
        return new GceTestBed(gcs, compute, sandbox, computeToken);
    }

    public GcsObjectStorage CreateStorage() => new(GcsTestBed.ClientOptions(Gcs, TimeProvider.System) with
    {
        Retry = new GcpRetryOptions { MaxAttempts = 6, InitialBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(100) },
    });

    public GceRunBackendOptions Options() => new()
    {
        Project = Compute.Options.Project,
        Zones = Compute.Options.Zones,
        Bucket = GcsTestBed.Bucket,
        ComputeEndpoint = Compute.Endpoint,
        Credential = GcpCredentials.FromAccessToken(ComputeAccessToken),
        Retry = new GcpRetryOptions { MaxAttempts = 6, InitialBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(100) },
        OperationPollInterval = TimeSpan.FromMilliseconds(50),
        LogPollInterval = TimeSpan.FromMilliseconds(100),
        LogShipInterval = TimeSpan.FromMilliseconds(200),
        TerminationGracePeriod = TimeSpan.FromSeconds(1),
    };

    public GceRunBackend CreateBackend(IObjectStorage storage, GceRunBackendOptions? options = null) => new(storage, options ?? Options());

    public async ValueTask DisposeAsync()
    {
        await Compute.DisposeAsync();
        await Gcs.DisposeAsync();
        Sandbox.Dispose();
    }
}
