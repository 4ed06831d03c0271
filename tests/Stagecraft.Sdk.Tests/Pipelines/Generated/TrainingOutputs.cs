using Stagecraft.Pipelines;

namespace Stagecraft.Sdk.Tests.Pipelines.Generated;

/// <summary>Model weights the way ML code often writes them: public fields, no properties.</summary>
public sealed class Weights
{
    public double[] W = [];
    public double Bias;
}

/// <summary>A training summary whose loss may have diverged to NaN or infinity.</summary>
public sealed record TrainingReport(double Loss, double[] History);

public enum Verdict
{
    Poor,
    Good,
}

/// <summary>Outputs that System.Text.Json's own defaults store as <c>{}</c> or refuse: fields, tuples, NaN, ±Infinity.</summary>
[Pipeline]
public static partial class TrainingOutputs
{
    [Stage]
    public static Weights Fit(double[] samples) => new() { W = [samples.Sum(), samples.Length], Bias = samples.Average() };

    [Stage]
    public static (double Accuracy, double Loss) Score(Weights weights) => (weights.Bias / 10, weights.W[0] - weights.W[1]);

    [Stage]
    public static TrainingReport Diverge(Weights weights) => new(
        weights.Bias > 100 ? double.NaN : weights.Bias,
        [weights.Bias, weights.Bias > 100 ? double.PositiveInfinity : 0, weights.Bias > 100 ? double.NegativeInfinity : 0]);

    [Stage]
    public static Dictionary<string, Verdict> Judge([From(nameof(Score))] (double Accuracy, double Loss) score, TrainingReport report) => new(StringComparer.Ordinal)
    {
        ["accuracy"] = score.Accuracy > 0.5 ? Verdict.Good : Verdict.Poor,
        ["loss"] = double.IsFinite(report.Loss) ? Verdict.Good : Verdict.Poor,
    };
}
