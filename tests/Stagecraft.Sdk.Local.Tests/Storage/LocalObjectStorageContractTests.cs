using Stagecraft.Local.Storage;
using Stagecraft.Storage;
using Stagecraft.Testing;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Local.Tests.Storage;

/// <summary>The shared object-storage contract, run against a fresh <see cref="LocalObjectStorage"/> directory per test.</summary>
public sealed class LocalObjectStorageContractTests : ObjectStorageContractTests
{
    private readonly TempDirectory _root = new("object-store");

    protected override Task<IObjectStorage> CreateStorageAsync() =>
        Task.FromResult<IObjectStorage>(new LocalObjectStorage(_root.Path));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _root.Dispose();
    }
}
