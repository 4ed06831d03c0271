using Stagecraft.Sdk.Gcp.Tests.Storage;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Gcp.Tests.Bundles;

/// <summary>
/// The start of every bundle test that stores a bundle: a scratch directory to pack and publish in, and a fake Cloud
/// Storage with a client on its bucket, fresh for each test.
/// </summary>
public abstract class BundleStorageTestBase : IAsyncLifetime
{
    /// <summary>Scratch space for trees, archives and publish output; deleted after the test.</summary>
    protected TempDirectory Temp { get; } = new("bundle");

    /// <summary>The fake bucket (<see cref="GcsTestBed.Server"/>) and the client on it (<see cref="GcsTestBed.Storage"/>).</summary>
    protected GcsTestBed Gcs { get; private set; } = null!;

    public async Task InitializeAsync() => Gcs = await GcsTestBed.StartAsync();

    public async Task DisposeAsync()
    {
        await Gcs.DisposeAsync();
        Temp.Dispose();
    }
}
