using Stagecraft.Local.Storage;
using Stagecraft.Runs;
using Stagecraft.Storage;
using Stagecraft.Testing;
using Stagecraft.WarmPool;

namespace Stagecraft.Sdk.Tests.WarmPool;

/// <summary>A pool over local storage in a temp directory, a hand-moved clock and a fake host.</summary>
internal sealed class WarmPoolFixture : IDisposable
{
    public const string Profile = "cpu-small";

    public WarmPoolFixture(WarmPoolProfileOptions? profile = null)
    {
        Storage = new LocalObjectStorage(Directory.Path);
        Options = new WarmPoolOptions
        {
            Profiles = new Dictionary<string, WarmPoolProfileOptions>(StringComparer.Ordinal) { [Profile] = profile ?? new WarmPoolProfileOptions { MaxInstances = 3, AckTimeout = TimeSpan.FromSeconds(30) } },
            TimeProvider = Clock,
            AckPollInterval = TimeSpan.FromMilliseconds(20),
        };
        Pool = new Stagecraft.WarmPool.WarmPool(Storage, Options);
    }

    public TempDirectory Directory { get; } = new("warmpool");

    public PoolClock Clock { get; } = new();

    public IObjectStorage Storage { get; }

    public WarmPoolOptions Options { get; }

    public Stagecraft.WarmPool.WarmPool Pool { get; }

    public FakeWarmHost Host { get; } = new();

    /// <summary>Registers an instance for <paramref name="runId"/>, creates its machine and marks it running.</summary>
    public async Task<WarmInstance> LaunchAsync(string runId)
    {
        var registration = await Pool.TryRegisterAsync(Profile, runId, Host.Backend) ?? throw new InvalidOperationException("cap reached");
        Host.Machines[registration.Instance.InstanceId] = WarmMachineStatus.Alive;
        Assert.True(await Pool.MarkLaunchedAsync(registration, "zone-a"));
        return (await Pool.GetAsync(Profile, registration.Instance.InstanceId))!;
    }

    /// <summary>Launches an instance and finishes its first job: it is idle.</summary>
    public async Task<WarmInstance> IdleInstanceAsync(string runId)
    {
        var instance = await LaunchAsync(runId);
        return await Pool.CompleteJobAsync(Profile, instance.InstanceId, runId, new RunExitRecord(0)) ?? throw new InvalidOperationException("not completed");
    }

    public async Task<List<string>> KeysAsync()
    {
        var keys = new List<string>();
        await foreach (var entry in Storage.ListAsync(string.Empty))
        {
            if (entry.Object is { } o)
            {
                keys.Add(o.Key);
            }
        }

        return keys;
    }

    public void Dispose() => Directory.Dispose();
}
