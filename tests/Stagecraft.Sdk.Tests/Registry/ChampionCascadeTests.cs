using Stagecraft.Artifacts;
using Stagecraft.Registry;
using static Stagecraft.Sdk.Tests.Registry.RegistryTestModels;

namespace Stagecraft.Sdk.Tests.Registry;

/// <summary>
/// Regression tests for seed 002: a decision step swapped the production alias to a deliberately worse run whose
/// artefact URI was a placeholder; the later planning step resolved the live alias, parsed the placeholder and crashed;
/// and because the pipeline stopped there, the clean-up that should have moved the alias back never ran.
/// </summary>
public class ChampionCascadeTests
{
    private const string Alias = "demo-production";

    private sealed class PipelineState
    {
        public string? ChampionRunId { get; set; }

        public string? PlannedWith { get; set; }

        public ArtifactUri? PlannedArtifact { get; set; }
    }

    private static async Task RunStepsAsync(ModelRegistry registry, PipelineState state, params Func<AliasGuard, PipelineState, Task>[] steps) =>
        await AliasGuard.RunAsync(registry, async guard =>
        {
            foreach (var step in steps)
            {
                await step(guard, state);
            }

            return 0;
        });

    private static async Task RegisterChampionStep(ModelRegistry registry, AliasGuard guard, PipelineState state)
    {
        var model = await registry.RegisterAsync(Registration("champion-run", 0.92));
        var current = await registry.ResolveAsync(Alias);
        await guard.SetAliasAsync(Alias, model.RunId, current.Generation, "register: new champion");
        state.ChampionRunId = model.RunId; // the pipeline records the champion it registered
    }

    private static async Task SaferPromoteStep(ModelRegistry registry, AliasGuard guard)
    {
        // The demo's "safer promote" swaps the alias to a deliberately worse run (with a real, parseable artefact).
        var worse = await registry.RegisterAsync(Registration("worse-run", 0.41));
        var current = await registry.ResolveAsync(Alias);
        await guard.SetAliasAsync(Alias, worse.RunId, current.Generation, "safer-promote demo: swap to worse run");
    }

    private static async Task PlanningStep(ModelRegistry registry, PipelineState state)
    {
        // Resolve the champion from the recorded run id, never from the live alias.
        var runId = state.ChampionRunId ?? throw new InvalidOperationException("no champion recorded");
        var champion = await registry.GetModelAsync(runId);
        state.PlannedWith = champion.RunId;
        state.PlannedArtifact = ArtifactUri.Parse(champion.ArtifactUri.ToString());
    }

    [Fact]
    public async Task Planning_step_uses_the_recorded_champion_after_a_step_swapped_the_alias_to_a_worse_run()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        var state = new PipelineState();
        string? liveAliasDuringPlanning = null;

        await RunStepsAsync(
            registry,
            state,
            (guard, s) => RegisterChampionStep(registry, guard, s),
            (guard, _) => SaferPromoteStep(registry, guard),
            async (_, s) =>
            {
                liveAliasDuringPlanning = (await registry.ResolveAsync(Alias)).RunId;
                await PlanningStep(registry, s);
            });

        Assert.Equal("worse-run", liveAliasDuringPlanning); // the trap the seed fell into was really there
        Assert.Equal("champion-run", state.PlannedWith);
        Assert.Equal("gs://models-bucket/runs/champion-run/outputs/model/weights.bin", state.PlannedArtifact!.ToString());
    }

    [Fact]
    public async Task Alias_swapped_mid_pipeline_is_restored_when_a_later_step_fails()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        await registry.RegisterAsync(Registration("previous-run", 0.90));
        var previous = await registry.SetAliasAsync(Alias, "previous-run", 0, "last week's champion");
        var state = new PipelineState();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => RunStepsAsync(
            registry,
            state,
            (guard, s) => RegisterChampionStep(registry, guard, s),
            (guard, _) => SaferPromoteStep(registry, guard),
            (_, _) => throw new InvalidOperationException("scenario_simulate_and_save failed"),
            (_, _) => throw new InvalidOperationException("cleanup must not be reached")));

        Assert.Equal("scenario_simulate_and_save failed", failure.Message);
        var after = await registry.ResolveAsync(Alias);
        Assert.Equal("previous-run", after.RunId); // not left on the worse run
        var history = await registry.GetAliasHistoryAsync(Alias).ToListAsync();
        AliasTests.AssertChain(history);
        Assert.Equal(["previous-run", "champion-run", "worse-run", "previous-run"], history.Select(h => h.ToRunId));
        Assert.Equal(previous.Generation, history[1].FromGeneration);
    }

    [Fact]
    public async Task A_placeholder_artifact_uri_cannot_be_registered()
    {
        // The seed's worse run carried "demo/safer-promote-placeholder.joblib"; the registry never stores such a value,
        // because a registration holds a parsed ArtifactUri and parsing rejects placeholders.
        var ex = Assert.Throws<ArtifactUriFormatException>(() => ArtifactUri.Parse("demo/safer-promote-placeholder.joblib"));
        Assert.Contains("placeholder", ex.Reason, StringComparison.Ordinal);

        var registry = NewRegistry(new InMemoryObjectStorage());
        await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.SetAliasAsync(Alias, "unregistered-run", 0, "swap to a run with no record"));
    }
}
