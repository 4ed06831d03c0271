namespace Stagecraft.Registry;

/// <summary>One move of an alias, as recorded in its history.</summary>
/// <param name="Alias">The alias.</param>
/// <param name="Sequence">1 for the first move, then +1 per move, without gaps.</param>
/// <param name="FromRunId">Where it pointed before (null = unset).</param>
/// <param name="ToRunId">Where it points after (null = cleared).</param>
/// <param name="FromGeneration">The pointer generation the move replaced (0 = none).</param>
/// <param name="Generation">The pointer generation the move wrote.</param>
/// <param name="MovedAt">When.</param>
/// <param name="MovedBy">Who (<see cref="ModelRegistryOptions.Actor"/>).</param>
/// <param name="Reason">Why, as given by the mover.</param>
public sealed record AliasMove(
    string Alias,
    long Sequence,
    string? FromRunId,
    string? ToRunId,
    long FromGeneration,
    long Generation,
    DateTimeOffset MovedAt,
    string MovedBy,
    string Reason);
