namespace Stagecraft.Registry;

/// <summary>When a challenger replaces the champion: it must beat the champion's <see cref="Metric"/> by more than <see cref="Margin"/>.</summary>
public sealed record PromotionPolicy
{
    /// <param name="metric">The metric name both models must have.</param>
    /// <param name="direction">Which way the metric improves.</param>
    /// <param name="margin">The absolute improvement the challenger must exceed (≥ 0, finite).</param>
    public PromotionPolicy(string metric, MetricDirection direction, double margin = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
        if (!double.IsFinite(margin) || margin < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "The promotion margin must be a finite number ≥ 0.");
        }

        if (!Enum.IsDefined(direction))
        {
            throw new ArgumentOutOfRangeException(nameof(direction), direction, "Unknown metric direction.");
        }

        Metric = metric;
        Direction = direction;
        Margin = margin;
    }

    public string Metric { get; }

    public MetricDirection Direction { get; }

    public double Margin { get; }

    /// <summary>How much better <paramref name="challenger"/> is than <paramref name="champion"/> (negative when worse).</summary>
    public double Improvement(double champion, double challenger) =>
        Direction == MetricDirection.HigherIsBetter ? challenger - champion : champion - challenger;

    /// <summary>True when the challenger beats the champion by more than the margin.</summary>
    public bool Beats(double champion, double challenger) => Improvement(champion, challenger) > Margin;
}
