using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Gcp.Tests.Compute;

/// <summary>
/// The shared run-backend contract, against the emulation harness: every run is a real bash process started by the
/// fake Compute API from the generated startup script, writing to the fake GCS through curl.
/// </summary>
public sealed class GceRunBackendContractTests : RunBackendContractTests
{
    private GceTestBed? _bed;

    private GceTestBed Bed => _bed ?? throw new InvalidOperationException("Not initialised.");

    public override async Task InitializeAsync()
    {
        _bed = await GceTestBed.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }

    protected override IObjectStorage CreateStorage() => Bed.CreateStorage();

    protected override IRunBackend CreateBackend(IObjectStorage storage) => Bed.CreateBackend(storage);

    protected override async Task ForceStopAsync(RunHandle handle)
    {
        if (Bed.Compute.GetInstance(handle.Properties["zone"], handle.Properties["instance"])?.Vm is { } vm)
        {
            await vm.StopAsync(TimeSpan.FromSeconds(1));
        }
    }
}
