using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using Stagecraft.Signals;
using Stagecraft.Storage.Json;
using static Stagecraft.Sdk.Tests.Pipelines.Support.Graphs;

namespace Stagecraft.Sdk.Tests.Pipelines;

public sealed class PipelineCachingTests : IDisposable
{
    private readonly RunnerFixture _fixture = new();
    private readonly InvocationCounter _calls = new();

    public void Dispose() => _fixture.Dispose();

    /// <summary>Load → Scale (reads the factor input) → Sum; Describe is an independent branch off Load.</summary>
    private PipelineGraph Numbers(string scaleCode = "scale-v1", string? sumVersion = null) => Pipeline(
        "Numbers",
        Stage("Load", _ => { _calls.Hit("Load"); return new[] { 1.0, 2.0, 3.0 }; }),
        Stage("Scale", a => { _calls.Hit("Scale"); return ((double[])a[0]!).Select(x => x * (double)a[1]!).ToArray(); }, scaleCode, null, From<double[]>("Load"), Input<double>("factor")),
        Stage("Sum", a => { _calls.Hit("Sum"); return ((double[])a[0]!).Sum(); }, "sum-v1", sumVersion, From<double[]>("Scale")),
        Stage("Describe", a => { _calls.Hit("Describe"); return $"{((double[])a[0]!).Length} values"; }, From<double[]>("Load")));

    private static Dictionary<string, object?> Factor(double f) => new() { ["factor"] = f };

    [Fact]
    public async Task Second_run_serves_every_stage_from_cache_without_invoking_it()
    {
        var runner = _fixture.CreateRunner();
        var first = await runner.RunAsync(Numbers(), Factor(2));
        Assert.True(first.Succeeded);
        Assert.Equal(12.0, first.GetOutput<double>("Sum"));
        Assert.Equal(4, _calls.Total);

        _calls.Reset();
        var second = await runner.RunAsync(Numbers(), Factor(2));

        Assert.Equal(0, _calls.Total);
        Assert.All(second.Stages.Values, s => Assert.Equal(StageStatus.Cached, s.Status));
        Assert.All(second.Stages.Values, s => Assert.Equal(first.RunId, s.CachedFromRunId));
        Assert.Equal(12.0, second.GetOutput<double>("Sum"));
        Assert.Equal(["1", "2", "3"], second.GetOutput<double[]>("Scale").Select(x => (x / 2).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(first.Stages["Sum"].Fingerprint, second.Stages["Sum"].Fingerprint);
    }

    [Fact]
    public async Task Changed_code_hash_reruns_the_stage_and_its_downstream_only()
    {
        var runner = _fixture.CreateRunner();
        await runner.RunAsync(Numbers(scaleCode: "scale-v1"), Factor(2));
        _calls.Reset();

        var result = await runner.RunAsync(Numbers(scaleCode: "scale-v2"), Factor(2));

        Assert.Equal(StageStatus.Cached, result.Stages["Load"].Status);
        Assert.Equal(StageStatus.Cached, result.Stages["Describe"].Status);
        Assert.Equal(StageStatus.Succeeded, result.Stages["Scale"].Status);
        Assert.Equal(1, _calls["Scale"]);
        Assert.Equal(0, _calls["Load"]);

        // Scale's output bytes are unchanged, so Sum's inputs fingerprint the same and Sum stays cached.
        Assert.Equal(StageStatus.Cached, result.Stages["Sum"].Status);
        Assert.Equal(0, _calls["Sum"]);
    }

    [Fact]
    public async Task Changed_version_reruns_the_stage()
    {
        var runner = _fixture.CreateRunner();
        await runner.RunAsync(Numbers(sumVersion: null), Factor(2));
        _calls.Reset();

        var result = await runner.RunAsync(Numbers(sumVersion: "2"), Factor(2));

        Assert.Equal(StageStatus.Succeeded, result.Stages["Sum"].Status);
        Assert.Equal(1, _calls["Sum"]);
        Assert.Equal(1, _calls.Total);
    }

    [Fact]
    public async Task Changed_parameter_reruns_the_stages_that_read_it_and_their_downstream()
    {
        var runner = _fixture.CreateRunner();
        await runner.RunAsync(Numbers(), Factor(2));
        _calls.Reset();

        var result = await runner.RunAsync(Numbers(), Factor(3));

        Assert.Equal(StageStatus.Cached, result.Stages["Load"].Status);
        Assert.Equal(StageStatus.Cached, result.Stages["Describe"].Status);
        Assert.Equal(StageStatus.Succeeded, result.Stages["Scale"].Status);
        Assert.Equal(StageStatus.Succeeded, result.Stages["Sum"].Status);
        Assert.Equal(18.0, result.GetOutput<double>("Sum"));
        Assert.Equal(2, _calls.Total);
    }

    [Fact]
    public async Task Changed_upstream_output_reruns_downstream()
    {
        var data = new[] { 1.0, 2.0 };
        var calls = 0;
        PipelineGraph Graph(string loadCode) => Pipeline(
            "Chain",
            Stage("Load", _ => data.ToArray(), loadCode, null),
            Stage("Sum", a => { calls++; return ((double[])a[0]!).Sum(); }, From<double[]>("Load")));
        var runner = _fixture.CreateRunner();
        await runner.RunAsync(Graph("load-v1"), NoInputs);

        data = [5.0, 7.0];
        var result = await runner.RunAsync(Graph("load-v2"), NoInputs);

        Assert.Equal(2, calls);
        Assert.Equal(12.0, result.GetOutput<double>("Sum"));
        Assert.NotEqual(StageStatus.Cached, result.Stages["Sum"].Status);
    }

    [Fact]
    public async Task Cache_off_invokes_every_stage_and_writes_no_cache_entries()
    {
        var runner = _fixture.CreateRunner(o => o with { CacheEnabled = false });
        await runner.RunAsync(Numbers(), Factor(2));
        await runner.RunAsync(Numbers(), Factor(2));

        Assert.Equal(8, _calls.Total);
        await foreach (var entry in _fixture.Storage.ListAsync(PipelinePaths.RootPrefix))
        {
            Assert.Fail($"cache entry {entry.Object?.Key} was written with the cache off");
        }
    }

    [Fact]
    public async Task Invalidating_one_stage_is_one_call_and_reruns_only_that_stage()
    {
        var runner = _fixture.CreateRunner();
        var graph = Numbers();
        await runner.RunAsync(graph, Factor(2));
        await runner.RunAsync(graph, Factor(3)); // a second Scale/Sum entry for the same stages
        _calls.Reset();

        var removed = await runner.InvalidateCacheAsync(graph, "Describe");
        var result = await runner.RunAsync(graph, Factor(2));

        Assert.Equal(1, removed);
        Assert.Equal(1, _calls["Describe"]);
        Assert.Equal(1, _calls.Total);
        Assert.Equal(StageStatus.Succeeded, result.Stages["Describe"].Status);
        Assert.Equal(StageStatus.Cached, result.Stages["Sum"].Status);
        var unknown = await Assert.ThrowsAsync<PipelineStageNotFoundException>(() => runner.InvalidateCacheAsync(graph, "NoSuchStage"));
        Assert.Equal(graph.Stages.Select(s => s.Name), unknown.ValidNames);
    }

    [Fact]
    public async Task A_cache_entry_whose_output_object_was_replaced_is_not_trusted()
    {
        var runner = _fixture.CreateRunner();
        var first = await runner.RunAsync(Numbers(), Factor(2));
        var sumKey = first.Stages["Sum"].Fingerprint!;
        var record = await runner.GetRunRecordAsync(first.RunId);
        var sumObject = record.GetStage("Sum")!.Output!.Objects.Single();

        // Someone overwrites the stored output (same key, new generation, different content).
        using (var tampered = new MemoryStream("999"u8.ToArray()))
        {
            await _fixture.Storage.PutAsync(sumObject.Key, tampered);
        }

        _calls.Reset();
        var second = await runner.RunAsync(Numbers(), Factor(2));

        Assert.Equal(1, _calls["Sum"]);
        Assert.Equal(12.0, second.GetOutput<double>("Sum"));
        Assert.Equal(sumKey, second.Stages["Sum"].Fingerprint);
    }

    [Fact]
    public async Task An_unreadable_cache_entry_is_a_miss_and_the_stage_runs_again()
    {
        var runner = _fixture.CreateRunner();
        var first = await runner.RunAsync(Numbers(), Factor(2));
        var entryKey = PipelinePaths.CacheEntry("Numbers", "Sum", first.Stages["Sum"].Fingerprint!);
        using (var garbage = new MemoryStream("{ not json"u8.ToArray()))
        {
            await _fixture.Storage.PutAsync(entryKey, garbage);
        }

        _calls.Reset();
        var second = await runner.RunAsync(Numbers(), Factor(2));

        Assert.Equal(StageStatus.Succeeded, second.Stages["Sum"].Status);
        Assert.Equal(1, _calls["Sum"]);
        Assert.Equal(1, _calls.Total);
        Assert.Equal(12.0, second.GetOutput<double>("Sum"));
    }

    [Fact]
    public async Task An_unreadable_run_record_fails_with_a_typed_error_naming_its_key()
    {
        var runner = _fixture.CreateRunner();
        var first = await runner.RunAsync(Numbers(), Factor(2));
        var recordKey = PipelinePaths.PipelineRecord(first.RunId);
        using (var garbage = new MemoryStream("null"u8.ToArray()))
        {
            await _fixture.Storage.PutAsync(recordKey, garbage);
        }

        var ex = await Assert.ThrowsAsync<StoredDocumentException>(() => runner.GetRunRecordAsync(first.RunId));
        Assert.Equal(recordKey, ex.Key);
    }

    [Fact]
    public async Task File_and_directory_signals_are_stored_as_content_objects_and_restored_on_a_cache_hit()
    {
        var writes = 0;
        var graph = Pipeline(
            "Signals",
            AsyncStage("Report", async a =>
            {
                writes++;
                var ctx = (StageContext)a[0]!;
                return await FileSignal.WriteAllTextAsync(Path.Combine(ctx.WorkDirectory, "report.txt"), "accuracy=0.9");
            }, Context()),
            AsyncStage("Model", async a =>
            {
                writes++;
                var ctx = (StageContext)a[0]!;
                var dir = Path.Combine(ctx.WorkDirectory, "model");
                await FileSignal.WriteAllTextAsync(Path.Combine(dir, "weights.txt"), "1 2 3");
                await FileSignal.WriteAllTextAsync(Path.Combine(dir, "meta", "info.json"), "{}");
                return new DirectorySignal(dir);
            }, Context()),
            AsyncStage("Bundle", async a =>
            {
                writes++;
                var report = (FileSignal)a[0]!;
                var model = (DirectorySignal)a[1]!;
                return await report.ReadAllTextAsync() + ";" + await File.ReadAllTextAsync(model.GetFilePath("weights.txt"));
            }, From<FileSignal>("Report"), From<DirectorySignal>("Model")));
        var runner = _fixture.CreateRunner();

        var first = await runner.RunAsync(graph, NoInputs);
        var second = await runner.RunAsync(graph, NoInputs);

        Assert.True(first.Succeeded, string.Join("; ", first.Stages.Values.Select(s => s.Reason)));
        Assert.Equal(3, writes);
        Assert.Equal("accuracy=0.9;1 2 3", second.GetOutput<string>("Bundle"));
        var restored = second.GetOutput<DirectorySignal>("Model");
        Assert.Equal(["meta/info.json", "weights.txt"], restored.EnumerateRelativeFilePaths());
        Assert.NotEqual(first.GetOutput<DirectorySignal>("Model").Path, restored.Path);
        Assert.Equal("accuracy=0.9", await second.GetOutput<FileSignal>("Report").ReadAllTextAsync());

        var record = await runner.GetRunRecordAsync(first.RunId);
        var objects = record.Stages.Where(s => s.Stage != "Bundle").SelectMany(s => s.Output!.Objects).ToList();
        Assert.Equal(["model/meta/info.json", "model/weights.txt", "report.txt"], objects.Select(o => o.RelativePath).Order(StringComparer.Ordinal));
        foreach (var obj in objects)
        {
            Assert.Equal(PipelinePaths.Content(obj.Sha256), obj.Key);
            Assert.Equal(obj.Generation, (await _fixture.Storage.StatAsync(obj.Key))!.Generation);
        }
    }
}
