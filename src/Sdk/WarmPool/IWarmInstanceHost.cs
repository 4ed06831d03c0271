namespace Stagecraft.WarmPool;

/// <summary>
/// What the pool needs from a run backend to look after its machines: whether one still exists, and deleting one.
/// Implemented by each backend that keeps warm instances; the pool itself knows only storage.
/// </summary>
public interface IWarmInstanceHost
{
    /// <summary>The backend name written into the documents of instances this host owns (<see cref="WarmInstance.Backend"/>).</summary>
    string Backend { get; }

    /// <summary>Whether the instance's machine still exists.</summary>
    Task<WarmMachineStatus> ProbeAsync(WarmInstance instance, CancellationToken cancellationToken = default);

    /// <summary>Deletes the instance's machine (and anything it runs). A machine already gone is success.</summary>
    Task DeleteMachineAsync(WarmInstance instance, CancellationToken cancellationToken = default);
}
