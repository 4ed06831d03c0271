using System.Text;
using Stagecraft.Registry;
using static Stagecraft.Sdk.Tests.Registry.RegistryTestModels;

namespace Stagecraft.Sdk.Tests.Registry;

public class ModelRegistryTests
{
    [Fact]
    public async Task Register_then_get_returns_the_same_record_with_time_and_actor()
    {
        var storage = new InMemoryObjectStorage();
        var registry = NewRegistry(storage, actor: "alice");
        var registered = await registry.RegisterAsync(Registration("run-a", 0.91));

        var read = await registry.GetModelAsync("run-a");
        Assert.Equal("run-a", read.RunId);
        Assert.Equal("train", read.Stage);
        Assert.Equal("gs://models-bucket/runs/run-a/outputs/model/weights.bin", read.ArtifactUri.ToString());
        Assert.Equal(0.91, read.GetMetric("accuracy"));
        Assert.Equal(1 - 0.91, read.GetMetric("loss")); // doubles round-trip exactly through JSON
        Assert.Equal("iris-v1", read.Tags["dataset"]);
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), read.RegisteredAt);
        Assert.Equal("alice", read.RegisteredBy);
        Assert.Equal(registered.Generation, read.Generation);
        Assert.True(await storage.StatAsync("registry/models/run-a.json") is not null);
    }

    [Fact]
    public async Task Re_registering_identical_content_is_idempotent()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        var first = await registry.RegisterAsync(Registration("run-a", 0.9));
        var again = await registry.RegisterAsync(Registration("run-a", 0.9));
        Assert.Equal(first.Generation, again.Generation);
        Assert.Equal(first.RegisteredAt, again.RegisteredAt);
    }

    [Fact]
    public async Task Records_are_immutable_re_registering_different_content_throws_typed()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        await registry.RegisterAsync(Registration("run-a", 0.9));
        var ex = await Assert.ThrowsAsync<ModelAlreadyRegisteredException>(() => registry.RegisterAsync(Registration("run-a", 0.95)));
        Assert.Equal("metrics", ex.Difference);
        Assert.Contains("run-a", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0.9, (await registry.GetModelAsync("run-a")).GetMetric("accuracy"));
    }

    [Fact]
    public async Task Missing_model_and_metric_are_typed_errors()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        var missing = await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.GetModelAsync("nope"));
        Assert.Equal("nope", missing.RunId);
        Assert.Null(await registry.TryGetModelAsync("nope"));

        var model = await registry.RegisterAsync(Registration("run-a", 0.9));
        var noMetric = Assert.Throws<MetricNotFoundException>(() => model.GetMetric("f1"));
        Assert.Contains("'f1'", noMetric.Message, StringComparison.Ordinal);
        Assert.Contains("accuracy", noMetric.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_registrations_are_rejected_naming_the_field()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        var valid = Registration("run-a", 0.9);

        var nan = await Assert.ThrowsAsync<ArgumentException>(() => registry.RegisterAsync(valid with { Metrics = new Dictionary<string, double> { ["accuracy"] = double.NaN } }));
        Assert.Contains("accuracy", nan.Message, StringComparison.Ordinal);

        var hash = await Assert.ThrowsAsync<ArgumentException>(() => registry.RegisterAsync(valid with { ArtifactSha256 = "ABC" }));
        Assert.Contains("'ABC'", hash.Message, StringComparison.Ordinal);

        var otherRun = await Assert.ThrowsAsync<ArgumentException>(() => registry.RegisterAsync(valid with { ArtifactUri = Registration("run-b", 0).ArtifactUri }));
        Assert.Contains("run-b", otherRun.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<ArgumentException>(() => registry.RegisterAsync(valid with { RunId = "Bad_Run" }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => registry.RegisterAsync(valid with { ArtifactSize = -1 }));
    }

    [Fact]
    public async Task List_models_returns_every_registered_run_in_order()
    {
        var registry = NewRegistry(new InMemoryObjectStorage());
        foreach (var id in new[] { "run-c", "run-a", "run-b" })
        {
            await registry.RegisterAsync(Registration(id, 0.5));
        }

        Assert.Equal(["run-a", "run-b", "run-c"], (await registry.ListModelsAsync().ToListAsync()).Select(m => m.RunId));
    }

    [Fact]
    public async Task Corrupt_stored_record_is_a_typed_data_error_naming_the_key()
    {
        var storage = new InMemoryObjectStorage();
        var registry = NewRegistry(storage);
        storage.Poke("registry/models/run-a.json", Encoding.UTF8.GetBytes("{ not json"));
        var ex = await Assert.ThrowsAsync<RegistryDataException>(() => registry.GetModelAsync("run-a"));
        Assert.Equal("registry/models/run-a.json", ex.Key);

        // A record carrying a placeholder URI (written by something else) is refused on read, not handed to a parser later.
        storage.Poke("registry/models/run-b.json", Encoding.UTF8.GetBytes("""{"schema":1,"runId":"run-b","stage":"s","artifactUri":"<none>","artifactSha256":"","artifactSize":0,"metrics":{},"tags":{},"registeredAt":"2025-01-01T00:00:00+00:00","registeredBy":"x"}"""));
        var placeholder = await Assert.ThrowsAsync<RegistryDataException>(() => registry.GetModelAsync("run-b"));
        Assert.Contains("<none>", placeholder.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_paths_are_built_in_one_place_and_never_under_runs()
    {
        var paths = new RegistryPaths();
        Assert.Equal("registry/models/r1.json", paths.Model("r1"));
        Assert.Equal("registry/aliases/champion/current.json", paths.AliasPointer("champion"));
        Assert.Equal("registry/aliases/champion/history/000000000007.json", paths.AliasHistoryEntry("champion", 7));
        Assert.Equal("registry/aliases/champion/decisions/d1.json", paths.AliasDecision("champion", "d1"));
        Assert.Equal("r1", paths.RunIdOfModelKey(paths.Model("r1")));
        Assert.Throws<ArgumentException>(() => new RegistryPaths("runs/registry/"));
        Assert.Throws<ArgumentException>(() => new RegistryPaths("registry"));
        Assert.Equal("team/reg/models/r1.json", new RegistryPaths("team/reg/").Model("r1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Production")]
    [InlineData("1st")]
    [InlineData("prod-")]
    [InlineData("a/b")]
    [InlineData("a..b")]
    [InlineData("champion ")]
    public void Invalid_alias_names_are_rejected_naming_the_value(string alias)
    {
        var ex = Assert.Throws<ArgumentException>(() => AliasName.Validate(alias));
        Assert.Contains($"'{alias}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("production")]
    [InlineData("champion")]
    [InlineData("churn-model_v2")]
    public void Valid_alias_names_pass(string alias) => Assert.Equal(alias, AliasName.Validate(alias));
}
