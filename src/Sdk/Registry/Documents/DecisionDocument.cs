namespace Stagecraft.Registry.Documents;

/// <summary>Storage form of a <see cref="PromotionDecision"/>.</summary>
internal sealed class DecisionDocument
{
    public int Schema { get; set; } = 1;

    public string Id { get; set; } = "";

    public string Alias { get; set; } = "";

    public string Metric { get; set; } = "";

    public MetricDirection Direction { get; set; }

    public double Margin { get; set; }

    public string? ChampionRunId { get; set; }

    public double? ChampionValue { get; set; }

    public string ChallengerRunId { get; set; } = "";

    public double ChallengerValue { get; set; }

    public double? Improvement { get; set; }

    public bool Promoted { get; set; }

    public string Explanation { get; set; } = "";

    public long AliasGeneration { get; set; }

    public AliasMoveDocument? Move { get; set; }

    public DateTimeOffset DecidedAt { get; set; }

    public string DecidedBy { get; set; } = "";
}
