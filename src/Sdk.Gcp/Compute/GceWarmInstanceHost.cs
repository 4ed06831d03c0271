using Microsoft.Extensions.Logging;
using Stagecraft.WarmPool;

namespace Stagecraft.Gcp.Compute;

/// <summary>
/// The Compute Engine side of the warm pool's housekeeping: whether a pool instance's VM exists, and deleting it, for
/// <see cref="WarmPoolReaper"/> and <see cref="Stagecraft.WarmPool.WarmPool.CleanupAsync"/>. A pool instance's VM is named
/// by its instance id, in the zone recorded as its location.
/// </summary>
public sealed class GceWarmInstanceHost : IWarmInstanceHost, IDisposable
{
    private readonly GceRunBackendOptions _options;
    private readonly ComputeEngineClient _compute;

    /// <param name="options">The same options as the <see cref="GceRunBackend"/> whose VMs these are.</param>
    public GceWarmInstanceHost(GceRunBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _compute = new ComputeEngineClient(options, options.LoggerFactory.CreateLogger<GceWarmInstanceHost>());
    }

    /// <inheritdoc />
    public string Backend => GceRunBackend.BackendName;

    /// <inheritdoc />
    public async Task<WarmMachineStatus> ProbeAsync(WarmInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        foreach (var zone in Zones(instance))
        {
            if (await _compute.GetInstanceAsync(zone, instance.InstanceId, cancellationToken).ConfigureAwait(false) is { } resource)
            {
                return resource.GetProperty("status").GetString() is "TERMINATED" or "STOPPED" or "SUSPENDED"
                    ? WarmMachineStatus.Stopped
                    : WarmMachineStatus.Alive;
            }
        }

        return WarmMachineStatus.Gone;
    }

    /// <inheritdoc />
    public async Task DeleteMachineAsync(WarmInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        foreach (var zone in Zones(instance))
        {
            var operation = await _compute.DeleteInstanceAsync(zone, instance.InstanceId, Guid.NewGuid().ToString("D"), cancellationToken).ConfigureAwait(false);
            if (operation is null)
            {
                continue; // not in this zone (404)
            }

            operation = await _compute.WaitAsync(operation, cancellationToken).ConfigureAwait(false);
            if (operation.ErrorCode is { } code && code != "RESOURCE_NOT_FOUND")
            {
                throw new ComputeEngineException($"Deleting warm-pool VM {instance.InstanceId} in {zone} failed: {code}: {operation.ErrorMessage}", code, operation.HttpErrorStatusCode);
            }
        }
    }

    public void Dispose() => _compute.Dispose();

    /// <summary>The recorded zone when there is one (a launcher that died before recording it leaves every configured zone possible).</summary>
    private IEnumerable<string> Zones(WarmInstance instance) =>
        instance.Location is { } zone && _options.Zones.Contains(zone) ? [zone] : _options.Zones;
}
