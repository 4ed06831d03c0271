using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelSelection;
using Stagecraft.Artifacts;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Registry;
using Stagecraft.Runs;

// Champion/challenger model selection:
//   1. train two models (a one-split threshold and a nearest-centroid classifier) with the model-training pipeline;
//   2. register both in the model registry, with their holdout accuracy and artefact;
//   3. promote the better one to the "champion" alias under an AliasGuard;
//   4. show that a failure later in a guarded pipeline puts the alias back.
// Everything lives in a local object store under a fresh temp directory.
using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
var logger = loggerFactory.CreateLogger("ModelSelection");
var root = Path.Combine(Path.GetTempPath(), "stagecraft-model-selection-" + Guid.NewGuid().ToString("N")[..8]);
var store = new LocalObjectStorage(Path.Combine(root, "store"));
var runner = new PipelineRunner(new PipelineRunnerOptions { Storage = store, WorkDirectory = Path.Combine(root, "work"), LoggerFactory = loggerFactory });
var registry = new ModelRegistry(store, new ModelRegistryOptions { Actor = "model-selection-sample", LoggerFactory = loggerFactory });
Console.WriteLine($"store: {store.RootDirectory}");

// 1 + 2: train and register both candidates. Each training run's id is its model's id in the registry.
var data = MakeDataset(seed: 11, count: 400);
var candidates = new List<RegisteredModel>();
foreach (var kind in new[] { "threshold", "centroid" })
{
    var result = await ModelTraining.RunAsync(runner, data, new TrainingOptions(kind));
    if (!result.Succeeded)
    {
        Console.Error.WriteLine($"training '{kind}' failed");
        return 1;
    }

    var evaluated = result.GetOutput<EvaluatedModel>("Evaluate");
    candidates.Add(await RegisterAsync(result.RunId, evaluated));
    Console.WriteLine($"trained {kind,-9} run {result.RunId}: holdout accuracy {evaluated.Accuracy:P1}");
}

// 3: champion/challenger. The first candidate becomes champion (the alias is empty); the second replaces it only if its
// accuracy is better by more than one point. Both values and the decision are recorded in the registry.
var policy = new PromotionPolicy("accuracy", MetricDirection.HigherIsBetter, margin: 0.01);
var decisions = await AliasGuard.RunAsync(registry, async guard =>
{
    var list = new List<PromotionDecision>();
    foreach (var candidate in candidates)
    {
        list.Add(await guard.PromoteIfBetterAsync("champion", candidate.RunId, policy));
    }

    return list;
}, new AliasGuardOptions { LoggerFactory = loggerFactory });

foreach (var d in decisions)
{
    Console.WriteLine($"decision {d.Id}: {(d.Promoted ? "PROMOTED" : "kept champion")} — {d.Explanation}");
}

// The pipeline records the champion's run id now and uses it from here on, never the live alias.
var champion = await registry.ResolveAsync("champion");
var championRunId = champion.RequireRunId();
var loserRunId = candidates.Single(c => c.RunId != championRunId).RunId;
Console.WriteLine($"champion: {championRunId} (alias generation {champion.Generation})");

// 4: a guarded canary rollout that fails mid-way. The guard moved "champion" to the other model; the smoke test throws;
// the guard restores the alias (compare-and-swap against its own move) and the original exception reaches us unchanged.
try
{
    await AliasGuard.RunAsync<int>(registry, async guard =>
    {
        await guard.SetAliasAsync("champion", loserRunId, champion.Generation, "canary: try the other model in production");
        Console.WriteLine($"canary: alias moved to {(await registry.ResolveAsync("champion")).RunId}");
        throw new InvalidOperationException("canary smoke test failed: accuracy dropped on live traffic");
    }, new AliasGuardOptions { LoggerFactory = loggerFactory });
}
catch (InvalidOperationException ex)
{
    Console.WriteLine($"pipeline failed as staged: {ex.Message}");
}

var after = await registry.ResolveAsync("champion");
Console.WriteLine($"after the failure the alias points at {after.RunId} (recorded champion {championRunId})");
Console.WriteLine("alias history:");
await foreach (var move in registry.GetAliasHistoryAsync("champion"))
{
    Console.WriteLine($"  #{move.Sequence} {move.FromRunId ?? "(unset)"} -> {move.ToRunId ?? "(unset)"} by {move.MovedBy} at {move.MovedAt:HH:mm:ss}: {move.Reason}");
}

// The planning step loads the recorded champion's artefact through its URI.
var model = await registry.GetModelAsync(championRunId);
await using (var artefact = await store.GetAsync(ArtifactUri.Parse(model.ArtifactUri.ToString()).ObjectKey))
{
    var trained = await JsonSerializer.DeserializeAsync<EvaluatedModel>(artefact.Content);
    Console.WriteLine($"planning with {trained!.Model.Kind} model from {model.ArtifactUri}");
}

if (after.RunId != championRunId)
{
    Console.Error.WriteLine("the alias was not restored");
    return 2;
}

Directory.Delete(root, recursive: true);
return 0;

async Task<RegisteredModel> RegisterAsync(string runId, EvaluatedModel evaluated)
{
    // The artefact goes to the run's outputs (RunPaths builds the key); its URI names the same object.
    var bytes = JsonSerializer.SerializeToUtf8Bytes(evaluated);
    var uri = ArtifactUri.ForFile(store.RootDirectory, runId, "registered-model.json");
    using (var content = new MemoryStream(bytes))
    {
        await store.PutAsync(new RunPaths(runId).Output("registered-model.json"), content);
    }

    return await registry.RegisterAsync(new ModelRegistration
    {
        RunId = runId,
        Stage = "Evaluate",
        ArtifactUri = uri,
        ArtifactSha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
        ArtifactSize = bytes.Length,
        Metrics = new Dictionary<string, double> { ["accuracy"] = evaluated.Accuracy },
        Tags = new Dictionary<string, string> { ["kind"] = evaluated.Model.Kind, ["holdout"] = evaluated.HoldoutSize.ToString(CultureInfo.InvariantCulture) },
    });
}

static Dataset MakeDataset(int seed, int count)
{
    // Two Gaussian blobs that differ in both X and Y: a split on X alone is decent, the centroid model is better.
    var random = new Random(seed);
    double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    var points = new Point[count];
    for (var i = 0; i < count; i++)
    {
        var label = i % 2;
        points[i] = new Point((label * 1.2) + Gaussian(), (label * 2.5) + Gaussian(), label);
    }

    return new Dataset(points);
}
