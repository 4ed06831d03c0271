namespace Stagecraft.InFlight;

/// <summary>Whether an in-flight entry is still looked after by its owner.</summary>
public enum InFlightEntryState
{
    /// <summary>The owner is tracking these processes; the reaper acts only once the owner's heartbeat is stale.</summary>
    Running,

    /// <summary>
    /// The owner gave these processes up (dispatch failed after they were spawned): they are orphans, and the reaper kills
    /// them on its next pass whatever the heartbeat says.
    /// </summary>
    HandedOff,
}
