using System.Collections.Concurrent;
using Stagecraft.WarmPool;

namespace Stagecraft.Sdk.Tests.WarmPool;

/// <summary>A backend's machines as a set: tests say which exist or are stopped; deletions are recorded.</summary>
internal sealed class FakeWarmHost(string backend = "fake") : IWarmInstanceHost
{
    public ConcurrentDictionary<string, WarmMachineStatus> Machines { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Deleted { get; } = new();

    public string Backend { get; } = backend;

    public Task<WarmMachineStatus> ProbeAsync(WarmInstance instance, CancellationToken cancellationToken = default) =>
        Task.FromResult(Machines.GetValueOrDefault(instance.InstanceId, WarmMachineStatus.Gone));

    public Task DeleteMachineAsync(WarmInstance instance, CancellationToken cancellationToken = default)
    {
        Machines.TryRemove(instance.InstanceId, out _);
        Deleted.Enqueue(instance.InstanceId);
        return Task.CompletedTask;
    }
}
