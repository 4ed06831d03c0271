namespace Stagecraft.InFlight;

/// <summary>Why the reaper left a recorded process alone.</summary>
public enum ReapSkipReason
{
    /// <summary>The pid is protected (configured, the reaper itself, or one of its ancestors).</summary>
    Protected,

    /// <summary>No process has this pid any more.</summary>
    NotRunning,

    /// <summary>The pid now belongs to a different process (recycled): start time or command line differ.</summary>
    IdentityMismatch,

    /// <summary>The entry's owner heartbeat is fresh: the owner is alive and looks after it.</summary>
    OwnerAlive,

    /// <summary>The process was still alive after SIGKILL (e.g. it belongs to another user); the entry is kept for the next pass.</summary>
    Survived,

    /// <summary>The entry's owner runs on another host, where this reaper cannot tell whether it lives: the entry is left to a reaper there.</summary>
    OwnerOnAnotherHost,

    /// <summary>The backend run's backend is not among the reaper's backends; the entry is kept for a reaper that has it.</summary>
    BackendUnavailable,

    /// <summary>Stopping the backend run failed (the backend's error is in the detail); the entry is kept for the next pass.</summary>
    TerminateFailed,
}
