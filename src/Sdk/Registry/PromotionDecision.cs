namespace Stagecraft.Registry;

/// <summary>The recorded outcome of a champion/challenger comparison.</summary>
public sealed record PromotionDecision
{
    /// <summary>Unique, time-ordered id (also the decision object's name).</summary>
    public required string Id { get; init; }

    public required string Alias { get; init; }

    public required string Metric { get; init; }

    public required MetricDirection Direction { get; init; }

    public required double Margin { get; init; }

    /// <summary>The champion compared against (null when the alias was unset).</summary>
    public string? ChampionRunId { get; init; }

    /// <summary>The champion's metric value (null when there was no champion).</summary>
    public double? ChampionValue { get; init; }

    public required string ChallengerRunId { get; init; }

    public required double ChallengerValue { get; init; }

    /// <summary>Challenger better-by amount in the metric's direction (null when there was no champion).</summary>
    public double? Improvement { get; init; }

    /// <summary>True when the alias was moved to the challenger.</summary>
    public required bool Promoted { get; init; }

    /// <summary>Why, in words.</summary>
    public required string Explanation { get; init; }

    /// <summary>The alias generation the decision was based on.</summary>
    public required long AliasGeneration { get; init; }

    /// <summary>The move, when <see cref="Promoted"/>.</summary>
    public AliasMove? Move { get; init; }

    public required DateTimeOffset DecidedAt { get; init; }

    public required string DecidedBy { get; init; }
}
