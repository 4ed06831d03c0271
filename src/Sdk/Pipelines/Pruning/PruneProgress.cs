namespace Stagecraft.Pipelines;

/// <summary>How far a prune has got: the phase, and how many of its items are done (<see cref="Total"/> is null while unknown).</summary>
public sealed record PruneProgress(PrunePhase Phase, long Completed, long? Total);
