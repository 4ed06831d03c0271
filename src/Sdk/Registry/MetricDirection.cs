namespace Stagecraft.Registry;

/// <summary>Which way a metric improves.</summary>
public enum MetricDirection
{
    /// <summary>Accuracy, AUC, F1…</summary>
    HigherIsBetter,

    /// <summary>Loss, error, WAPE, latency…</summary>
    LowerIsBetter,
}
