using Stagecraft.Registry;
using static Stagecraft.Sdk.Tests.Registry.RegistryTestModels;

namespace Stagecraft.Sdk.Tests.Registry;

public class PromotionTests
{
    private static readonly PromotionPolicy AccuracyBy2Points = new("accuracy", MetricDirection.HigherIsBetter, margin: 0.02);

    [Fact]
    public async Task First_challenger_becomes_champion_when_alias_is_unset()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        await registry.RegisterAsync(Registration("run-a", 0.80));
        var decision = await registry.PromoteIfBetterAsync("champion", "run-a", AccuracyBy2Points);
        Assert.True(decision.Promoted);
        Assert.Null(decision.ChampionRunId);
        Assert.Equal("run-a", (await registry.ResolveAsync("champion")).RunId);
    }

    [Fact]
    public async Task Challenger_beating_by_more_than_margin_is_promoted_and_both_values_recorded()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        await registry.RegisterAsync(Registration("run-a", 0.80));
        await registry.RegisterAsync(Registration("run-b", 0.85));
        await registry.PromoteIfBetterAsync("champion", "run-a", AccuracyBy2Points);

        var decision = await registry.PromoteIfBetterAsync("champion", "run-b", AccuracyBy2Points);
        Assert.True(decision.Promoted);
        Assert.Equal(("run-a", 0.80, "run-b", 0.85), (decision.ChampionRunId, decision.ChampionValue, decision.ChallengerRunId, decision.ChallengerValue));
        Assert.Equal(0.05, decision.Improvement!.Value, 12);
        Assert.Equal("run-b", decision.Move!.ToRunId);
        Assert.Equal("run-b", (await registry.ResolveAsync("champion")).RunId);

        var recorded = await registry.GetDecisionsAsync("champion").ToListAsync();
        Assert.Equal(2, recorded.Count);
        Assert.Equal(decision, recorded[^1] with { Move = decision.Move });
        Assert.Equal(decision.Move, recorded[^1].Move);
    }

    [Theory]
    [InlineData(0.81)] // better, but not by the margin
    [InlineData(0.82)] // exactly the margin: must beat it, not tie it
    [InlineData(0.70)] // worse
    public async Task Challenger_not_beating_by_margin_is_not_promoted_but_decision_is_recorded(double challengerAccuracy)
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        await registry.RegisterAsync(Registration("run-a", 0.80));
        await registry.RegisterAsync(Registration("run-b", challengerAccuracy));
        var seeded = await registry.PromoteIfBetterAsync("champion", "run-a", AccuracyBy2Points);

        var decision = await registry.PromoteIfBetterAsync("champion", "run-b", AccuracyBy2Points);
        Assert.False(decision.Promoted);
        Assert.Null(decision.Move);
        Assert.Equal(0.80, decision.ChampionValue);
        Assert.Equal(challengerAccuracy, decision.ChallengerValue);
        Assert.Equal("run-a", (await registry.ResolveAsync("champion")).RunId);
        Assert.Equal(seeded.Move!.Generation, (await registry.ResolveAsync("champion")).Generation);
        Assert.Equal(2, (await registry.GetDecisionsAsync("champion").ToListAsync()).Count);
    }

    [Fact]
    public async Task Lower_is_better_metrics_promote_on_a_decrease()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        await registry.RegisterAsync(Registration("run-a", 0.80)); // loss 0.20
        await registry.RegisterAsync(Registration("run-b", 0.90)); // loss 0.10
        var lossPolicy = new PromotionPolicy("loss", MetricDirection.LowerIsBetter, margin: 0.05);
        await registry.PromoteIfBetterAsync("champion", "run-a", lossPolicy);
        var decision = await registry.PromoteIfBetterAsync("champion", "run-b", lossPolicy);
        Assert.True(decision.Promoted, decision.Explanation);
        Assert.Contains("lower is better", decision.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_metric_is_a_typed_error_and_nothing_moves()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        await registry.RegisterAsync(Registration("run-a", 0.80));
        await Assert.ThrowsAsync<MetricNotFoundException>(() => registry.PromoteIfBetterAsync("champion", "run-a", new PromotionPolicy("f1", MetricDirection.HigherIsBetter)));
        Assert.False((await registry.ResolveAsync("champion")).IsSet);
    }

    [Fact]
    public void Policy_rejects_negative_or_non_finite_margins()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromotionPolicy("accuracy", MetricDirection.HigherIsBetter, -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromotionPolicy("accuracy", MetricDirection.HigherIsBetter, double.NaN));
        Assert.Throws<ArgumentException>(() => new PromotionPolicy(" ", MetricDirection.HigherIsBetter));
    }
}
