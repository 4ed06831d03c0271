namespace Stagecraft.InFlight;

/// <summary>
/// Identifies an entry in the registry: owner, run or agent name, and state. A name can have a tracked entry and a
/// hand-off at the same time (a retry running while the failed attempt's orphans await the reaper).
/// </summary>
public readonly record struct InFlightKey(string OwnerId, string Name, InFlightEntryState State)
{
    public override string ToString() => $"{OwnerId}/{Name} ({State})";
}
